#!/usr/bin/env bash
# Runs the suites of the store, the engine and the domain packages on PostgreSQL: installs
# Debian's postgresql when missing, starts a private cluster in a temporary folder
# (scripts/postgres.sh: initdb, a unix socket and a free port on 127.0.0.1), runs the same Go
# tests as on SQLite with VOUCHDESK_TEST_POSTGRES set (each test gets a database of its own),
# and stops the server whatever happens. Exits with the tests' status. Needs root (the server
# runs as the postgres user).
#
# Usage: scripts/postgres-test.sh [extra go test flags, e.g. -run Feed] [packages]
#   KEEP=1 keeps the temporary folder (the cluster and its log).
set -euo pipefail
cd "$(dirname "$0")/.."

# The packages whose tests open databases through the store. The desktop's services, the
# desktop-only backup and the SQLite bulk tools stay on SQLite, the desktop's only database.
PACKAGES=(./backend/store ./backend/engine ./backend/contacts ./backend/chat ./backend/verify
  ./backend/org ./backend/outbox ./backend/calls ./backend/conversations ./backend/transcript
  ./backend/senders ./backend/mailaccounts ./backend/bounce ./backend/widget ./backend/seed
  ./backend/mailbox ./backend/cmd/vouchd ./backend/replica)

scripts/postgres.sh install

dir=$(mktemp -d -t vouchdesk-pg.XXXXXX)
cleanup() {
  local rc=$?
  scripts/postgres.sh stop "$dir" || true
  if [ "${KEEP:-}" = 1 ] || [ "$rc" -ne 0 ]; then
    echo "[postgres] cluster kept: $dir (log: $dir/data/server.log)" >&2
  else
    rm -rf "$dir"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/postgres.sh start "$dir"
# shellcheck disable=SC1091
. "$dir/env"

flags=() pkgs=()
for a in "$@"; do
  case "$a" in ./*) pkgs+=("$a") ;; *) flags+=("$a") ;; esac
done
[ ${#pkgs[@]} -gt 0 ] || pkgs=("${PACKAGES[@]}")
go test -race -tags "webkit2_41 sqlite_fts5" -count=1 -timeout 15m "${flags[@]}" "${pkgs[@]}"
