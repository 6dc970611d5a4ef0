# Vouch Desk. `make run` sets up what is missing, builds and starts the desktop app; `make test`
# sets up what is missing and runs every test. Both work on a fresh Debian 12 / Ubuntu machine.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

WAILS_VERSION := v2.16.0
VERSION := $(shell cat VERSION)
# sqlite_fts5 enables SQLite's full-text search in mattn/go-sqlite3; webkit2_41 builds Wails
# against WebKitGTK 4.1 (Debian 12). Every build and test command uses both.
TAGS := webkit2_41 sqlite_fts5
LDFLAGS := -X vouchdesk/backend/version.Version=$(VERSION)
GOBIN := $(shell go env GOPATH)/bin
WAILS := $(GOBIN)/wails

.PHONY: all deps build desktop vouchd frontend run package test test-go test-frontend test-keyring test-postgres test-integration test-e2e test-package vet smoke bench bench-store bench-contacts measure-desktop clean

all: build

deps:
	scripts/install-deps.sh

# The desktop binary: build/bin/vouchdesk (Wails also builds the frontend and regenerates bindings).
desktop: deps
	$(WAILS) build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -m -nosyncgomod

# The headless server: build/bin/vouchd, no GTK or WebKit (no webkit tag, nothing from Wails).
vouchd:
	go build -tags sqlite_fts5 -ldflags "$(LDFLAGS)" -o build/bin/vouchd ./backend/cmd/vouchd

build: desktop vouchd

run: desktop
	./build/bin/vouchdesk

# The Debian package: out/vouchdesk_<VERSION>_<arch>.deb (docs/packaging.md).
package: desktop
	scripts/package-deb.sh out

test: deps test-frontend build vet test-go test-postgres test-keyring test-integration test-e2e smoke test-package
	@echo "make test: all passed"

test-frontend: deps
	cd frontend && npm test
	cd frontend && npm run test:widget
	cd frontend && npm run check
	# The committed widget bundle must be what its sources build to (the server embeds it).
	cd frontend && npm run build:widget >/dev/null
	@git diff --quiet -- backend/widget/assets/widget.js 2>/dev/null || { \
		echo "backend/widget/assets/widget.js differs from a fresh build: run npm run build:widget and commit"; exit 1; }

vet:
	go vet -tags "$(TAGS)" ./...

test-go:
	go test -race -tags "$(TAGS)" -count=1 ./...

# The store, engine and domain suites again on a private PostgreSQL (Debian's postgresql).
test-postgres:
	scripts/postgres-test.sh

# Real mail servers: Debian's Postfix (SMTP, STARTTLS, AUTH) and Dovecot (IMAP) on loopback.
test-integration:
	scripts/integration-test.sh

# Chat end to end in Chromium: a customer in the widget on /demo and an agent in the real desktop
# UI, against the engine and real Postfix/Dovecot (needs the frontend build from `build`).
test-e2e:
	scripts/e2e-chat.sh out/e2e-chat

# The OS keyring path against a real Secret Service (gnome-keyring in a private D-Bus session).
test-keyring:
	scripts/keyring-test.sh

# Build the .deb, install it with apt, start it from its menu entry under Xvfb, remove it, check
# the user's data is still there.
test-package: desktop
	scripts/package-test.sh out/package

smoke:
	scripts/smoke-desktop.sh build/bin/vouchdesk out/smoke-desktop.png
	@! ldd build/bin/vouchd | grep -E 'gtk|webkit' || { echo "vouchd links GTK/WebKit"; exit 1; }

# Every benchmark script under scripts/ (figures in docs/benchmarks.md). The store and contact ones
# seed 1,000,000 contacts first (VOUCHDESK_BENCH_CONTACTS for fewer), which takes minutes each.
bench: bench-store bench-contacts measure-desktop

bench-store:
	scripts/bench-store.sh

bench-contacts:
	scripts/bench-contacts.sh

measure-desktop: desktop
	scripts/measure-desktop.sh

clean:
	rm -rf build/bin out frontend/dist/assets frontend/dist/index.html
