#!/usr/bin/env bash
# Runs the mail integration suite (backend/integration) against real Postfix and Dovecot: installs
# them when missing, starts private instances in a temporary folder (scripts/mailservers.sh), runs
# the Go tests (with -race) with the servers' addresses, account and CA in the environment, and
# stops the servers whatever happens. Exits with the tests' status. Needs root for the servers.
#
# Usage: scripts/integration-test.sh [extra go test flags, e.g. -run Throughput]
#   KEEP=1 keeps the temporary folder (configs, logs, mail) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/mailservers.sh install

dir=$(mktemp -d -t vouchdesk-mail-it.XXXXXX)
cleanup() {
  local rc=$?
  scripts/mailservers.sh stop "$dir" || true
  if [ "${KEEP:-}" = 1 ] || [ "$rc" -ne 0 ]; then
    echo "[integration] servers' folder kept: $dir (logs: $dir/postfix.log, $dir/dovecot.log)" >&2
  else
    rm -rf "$dir"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/mailservers.sh start "$dir"
# shellcheck disable=SC1091
. "$dir/env"

rc=0
go test -race -tags sqlite_fts5 -count=1 -timeout 6m -v "$@" ./backend/integration/ || rc=$?
if [ $rc -ne 0 ]; then
  scripts/mailservers.sh logs "$dir" || true
fi
exit $rc
