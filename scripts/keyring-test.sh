#!/usr/bin/env bash
# Runs the OS keyring tests against a real Secret Service: gnome-keyring-daemon in a private D-Bus
# session (no desktop needed), unlocked with an empty password made for this run only.
set -euo pipefail
cd "$(dirname "$0")/.."
export HOME_SAVE=$HOME
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run" && chmod 700 "$tmp/run"
# A throwaway home so no real keyring is touched.
HOME=$tmp XDG_DATA_HOME=$tmp/data XDG_RUNTIME_DIR=$tmp/run dbus-run-session -- bash -c '
  eval "$(printf "\n" | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  VOUCHDESK_KEYRING_IT=1 GOCACHE=$(HOME=$HOME_SAVE go env GOCACHE) GOPATH=$(HOME=$HOME_SAVE go env GOPATH) \
    go test -count=1 -run Keyring -v ./backend/secrets/
'
