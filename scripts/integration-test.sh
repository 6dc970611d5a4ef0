#!/usr/bin/env bash
# Runs the mail integration suite (backend/integration) against real Postfix and Dovecot: installs
# them when missing, starts private instances in a temporary folder (scripts/mailservers.sh), and a
# private PostgreSQL for the tests of several vouchd nodes on one database (scripts/postgres.sh),
# runs the Go tests (with -race) with the servers' addresses, account and CA in the environment,
# and stops the servers whatever happens. Exits with the tests' status. Needs root for the servers.
#
# PostgreSQL is handed over as VOUCHDESK_IT_POSTGRES, which only the multi-node tests use: the rest
# of the suite keeps running on SQLite files, as the desktop does. (With VOUCHDESK_TEST_POSTGRES
# set by hand instead, every test of the suite runs on PostgreSQL.)
#
# Usage: scripts/integration-test.sh [extra go test flags, e.g. -run Throughput]
#   KEEP=1 keeps the temporary folder (configs, logs, mail) for a look afterwards.
#   PG_BENCH=1 starts PostgreSQL with its durable defaults (fsync on), for the two-node figures.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/mailservers.sh install
scripts/postgres.sh install

dir=$(mktemp -d -t vouchdesk-mail-it.XXXXXX)
pgdir=$(mktemp -d -t vouchdesk-pg-it.XXXXXX)
cleanup() {
  local rc=$?
  scripts/mailservers.sh stop "$dir" || true
  scripts/postgres.sh stop "$pgdir" || true
  if [ "${KEEP:-}" = 1 ] || [ "$rc" -ne 0 ]; then
    echo "[integration] servers' folder kept: $dir (logs: $dir/postfix.log, $dir/dovecot.log)" >&2
    echo "[integration] PostgreSQL's folder kept: $pgdir (log: $pgdir/data/server.log)" >&2
  else
    rm -rf "$dir" "$pgdir"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/mailservers.sh start "$dir"
# shellcheck disable=SC1091
. "$dir/env"
scripts/postgres.sh start "$pgdir" "$([ "${PG_BENCH:-}" = 1 ] && echo bench || echo test)"
VOUCHDESK_IT_POSTGRES=$(. "$pgdir/env" && echo "$VOUCHDESK_TEST_POSTGRES")
export VOUCHDESK_IT_POSTGRES

rc=0
go test -race -tags sqlite_fts5 -count=1 -timeout 8m -v "$@" ./backend/integration/ || rc=$?
if [ $rc -ne 0 ]; then
  scripts/mailservers.sh logs "$dir" || true
fi
exit $rc
