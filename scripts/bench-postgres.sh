#!/usr/bin/env bash
# Runs the store's lookup, search and change-feed benchmarks on SQLite and on PostgreSQL in one
# run, and prints their figures side by side (docs/benchmarks.md, "PostgreSQL beside SQLite"):
#
#   - contact lookup by email and by phone (backend/store: ContactBy*, BareStatementBy*), on a
#     seed of VOUCHDESK_BENCH_CONTACTS contacts (default 1,000,000);
#   - search as you type (backend/contacts: SearchKeystrokes, SearchBareLike) on the contact
#     benchmarks' database (backend/testutil/benchdata) of as many contacts, with a tenth as many
#     conversations (VOUCHDESK_BENCH_CONVERSATIONS) since the search does not read them;
#   - the change feed under FEED_WRITES writes (default 10,000: 10 s at 1,000 writes/s) from
#     four writers, one reader following it (backend/store: ChangeFeed).
#
# PostgreSQL is a private cluster started by scripts/postgres.sh with `bench` (fsync and
# synchronous commit on, as a server keeps them) in a temporary folder, stopped at the end. Each
# database is seeded through the store's Loader by the benchmark process that uses it (four
# seeds in all: about 25 minutes at 1M contacts on 2 cores). Packages run one after the other.
#
# Usage: scripts/bench-postgres.sh   BENCHTIME (lookups, default 3s) and SEARCHTIME (default 2x:
#   one iteration types 300 values) go to -benchtime. Raw output in out/bench-postgres.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
log=$PWD/out/bench-postgres.txt
: >"$log"
export VOUCHDESK_BENCH_CONTACTS=${VOUCHDESK_BENCH_CONTACTS:-1000000}
n=$VOUCHDESK_BENCH_CONTACTS
benchtime=${BENCHTIME:-3s}
searchtime=${SEARCHTIME:-2x}
feed=${FEED_WRITES:-10000}
tags="webkit2_41 sqlite_fts5"

dir=$(mktemp -d "${TMPDIR:-/tmp}/vouchdesk-bench-postgres.XXXXXX")
cleanup() { scripts/postgres.sh stop "$dir/pg" || true; rm -rf "$dir" 2>/dev/null || true; }
trap cleanup EXIT
scripts/postgres.sh start "$dir/pg" bench

run() { # run DB LABEL go-test-args...
  local db=$1 label=$2
  shift 2
  echo "## $db $label: VOUCHDESK_BENCH_CONTACTS=$n $*" | tee -a "$log" >&2
  ( if [ "$db" = postgres ]; then . "$dir/pg/env"; else unset VOUCHDESK_TEST_POSTGRES; fi
    "$@" ) 2>&1 | sed -u "s/^/$db /" | tee -a "$log" >&2
}

for db in sqlite postgres; do
  run "$db" lookups go test -tags "$tags" -run '^$' -bench 'ContactBy|BareStatement' -benchtime "$benchtime" -timeout 90m ./backend/store/
  VOUCHDESK_BENCH_CONVERSATIONS=$((n / 10)) run "$db" search go test -tags "$tags" -run '^$' -bench 'Search' -benchtime "$searchtime" -timeout 90m ./backend/contacts/
  run "$db" feed go test -tags "$tags" -run '^$' -bench ChangeFeed -benchtime "${feed}x" -timeout 30m ./backend/store/
done

awk -v contacts="$n" '
function metric(db, bench, unit,    k) { k = db SUBSEP bench SUBSEP unit; return (k in v) ? v[k] : "" }
function us(ns) { return ns == "" ? "n/a" : sprintf("%.1f µs", ns / 1000) }
function ms(x) { return x == "" ? "n/a" : sprintf("%.2f ms", x) }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "n/a" : sprintf("%.2fx", a / b) }
$2 ~ /^Benchmark/ {
  db = $1; name = $2; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
  for (i = 4; i < NF; i += 2) v[db SUBSEP name SUBSEP $(i + 1)] = $i
}
$2 == "#" && $3 == "seed:" { seed[$1] = seed[$1] "\n- " $1 ": " substr($0, index($0, "seed:") + 6) }
END {
  printf "PostgreSQL beside SQLite, %d contacts\n", contacts
  for (db in seed) printf "%s\n", seed[db]
  print ""
  print "| Lookup | Database | API p50 | API p99 | bare p50 | bare p99 | ratio p50 | ratio p99 |"
  print "|---|---|---|---|---|---|---|---|"
  split("Email Phone", kinds, " ")
  for (k = 1; k <= 2; k++) for (d = 1; d <= 2; d++) {
    db = d == 1 ? "sqlite" : "postgres"; kind = kinds[k]
    a50 = metric(db, "ContactBy" kind, "p50-ns"); a99 = metric(db, "ContactBy" kind, "p99-ns")
    b50 = metric(db, "BareStatementBy" kind, "p50-ns"); b99 = metric(db, "BareStatementBy" kind, "p99-ns")
    printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", tolower(kind), db, us(a50), us(a99), us(b50), us(b99), ratio(a50, b50), ratio(a99, b99)
  }
  print ""
  print "| Search as you type | Database | API p50 | API p99 | API max | bare p50 | bare p99 | ratio p50 | ratio p99 |"
  print "|---|---|---|---|---|---|---|---|---|"
  for (d = 1; d <= 2; d++) {
    db = d == 1 ? "sqlite" : "postgres"
    a50 = metric(db, "SearchKeystrokes", "p50-ms"); a99 = metric(db, "SearchKeystrokes", "p99-ms"); amax = metric(db, "SearchKeystrokes", "max-ms")
    b50 = metric(db, "SearchBareLike", "p50-ms"); b99 = metric(db, "SearchBareLike", "p99-ms")
    printf "| %s keystrokes | %s | %s | %s | %s | %s | %s | %s | %s |\n", metric(db, "SearchKeystrokes", "keystrokes"), db, ms(a50), ms(a99), ms(amax), ms(b50), ms(b99), ratio(a50, b50), ratio(a99, b99)
  }
  print ""
  print "| Change feed | Database | writes/s | lag p50 | lag p99 | lag max | write p99 | missed |"
  print "|---|---|---|---|---|---|---|---|"
  for (d = 1; d <= 2; d++) {
    db = d == 1 ? "sqlite" : "postgres"
    w = metric(db, "ChangeFeed", "writes/s")
    printf "| %s writes, 4 writers | %s | %s | %s | %s | %s | %s | %s |\n", metric(db, "ChangeFeed", "ns/op") == "" ? "n/a" : "'"$feed"'", db,
      w == "" ? "n/a" : sprintf("%.0f", w), ms(metric(db, "ChangeFeed", "lag-p50-ms")), ms(metric(db, "ChangeFeed", "lag-p99-ms")),
      ms(metric(db, "ChangeFeed", "lag-max-ms")), ms(metric(db, "ChangeFeed", "write-p99-ms")), metric(db, "ChangeFeed", "missed") == "" ? "n/a" : metric(db, "ChangeFeed", "missed")
  }
}' "$log"
