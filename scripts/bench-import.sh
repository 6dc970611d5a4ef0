#!/usr/bin/env bash
# Measures `vouchd import` of a desktop's SQLite file into PostgreSQL: seeds a desktop database
# with `vouchd seed`, starts a private PostgreSQL with its durable defaults (scripts/postgres.sh
# start DIR bench), imports, and prints the time, the rows, and the peak temporary disk the
# import used beyond the database itself (PostgreSQL's WAL directory and its temporary files,
# sampled every 0.2 s), then stops the server.
#
# Usage: scripts/bench-import.sh [CONTACTS] [CONVERSATIONS] [MESSAGES]   (default 1000000 100000 4)
#   KEEP=1 keeps the folder (the seeded file, the cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
contacts=${1:-1000000} conversations=${2:-100000} messages=${3:-4}

scripts/postgres.sh install
dir=$(mktemp -d -t vouchdesk-import-bench.XXXXXX)
cleanup() {
  scripts/postgres.sh stop "$dir/pg" || true
  [ "${KEEP:-}" = 1 ] || rm -rf "$dir"
}
trap cleanup EXIT

go build -tags sqlite_fts5 -o "$dir/vouchd" ./backend/cmd/vouchd
"$dir/vouchd" seed --db "$dir/desk.db" --contacts "$contacts" --conversations "$conversations" --messages "$messages" --seed 42
echo "desktop file: $(du -m "$dir/desk.db" | cut -f1) MiB"

scripts/postgres.sh start "$dir/pg" bench
# shellcheck disable=SC1091
. "$dir/pg/env"
psql -q "$VOUCHDESK_TEST_POSTGRES" -c "CREATE DATABASE vouchdesk"
url=${VOUCHDESK_TEST_POSTGRES%/postgres*}/vouchdesk?sslmode=disable
data=$dir/pg/data

# The migrations first, so the baseline below is an empty schema.
"$dir/vouchd" import --db "$url" --from /nonexistent >/dev/null 2>&1 || true
base_wal=$(du -sb "$data/pg_wal" | cut -f1)
peak=0
(
  while :; do
    tmp=$(du -sb "$data/base/pgsql_tmp" 2>/dev/null | cut -f1 || echo 0)
    wal=$(du -sb "$data/pg_wal" | cut -f1)
    echo $((wal - base_wal + ${tmp:-0}))
    sleep 0.2
  done
) >"$dir/disk.samples" &
sampler=$!
start=$(date +%s.%N)
"$dir/vouchd" import --db "$url" --from "$dir/desk.db" --progress=false
end=$(date +%s.%N)
kill "$sampler" 2>/dev/null || true
peak=$(sort -n "$dir/disk.samples" | tail -1)
dbsize=$(psql -qtA "$url" -c "SELECT pg_database_size(current_database())")
printf 'import: %.1f s; PostgreSQL database %d MiB; peak temporary disk (WAL growth + temp files) %d MiB\n' \
  "$(echo "$end - $start" | bc)" $((dbsize >> 20)) $((peak >> 20))
