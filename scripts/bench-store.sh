#!/usr/bin/env bash
# Runs the store benchmarks (backend/store/bench_test.go) and prints their figures as a markdown
# table: identity lookup latency by email and by phone through the store's API (ContactByField)
# and through a bare prepared statement on the same index, the API/bare ratio, and the bulk
# loader's rows per second.
#
# The lookups run on a database of VOUCHDESK_BENCH_CONTACTS contacts (default 1,000,000) that the
# benchmark seeds into os.TempDir() first (about 4 minutes and 1.7 GB at 1M on 2 cores; set
# VOUCHDESK_BENCH_KEEP=1 to keep it and reuse it in the next run).
#
# Usage: scripts/bench-store.sh [extra go test flags]
#   BENCHTIME (default 5s) and COUNT (default 1) are passed to -benchtime and -count; with
#   COUNT > 1 the table shows the median of the runs. The raw output is kept in out/bench-store.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${BENCHTIME:-5s}
count=${COUNT:-1}
mkdir -p out
log=out/bench-store.txt
cmd=(go test -tags sqlite_fts5 -run '^$' -bench 'ContactBy|BareStatement|BulkLoad'
  -benchtime "$benchtime" -count "$count" -timeout 60m "$@" ./backend/store/)
cmdline="VOUCHDESK_BENCH_CONTACTS=${VOUCHDESK_BENCH_CONTACTS:-1000000} $(printf '%q ' "${cmd[@]}")"
echo "$cmdline" >&2
"${cmd[@]}" | tee "$log" >&2

CMDLINE=${cmdline% } awk -v contacts="${VOUCHDESK_BENCH_CONTACTS:-1000000}" '
function median(key,    n, i, j, t, a) {
  n = split(vals[key], a, " ")
  if (n == 0 || vals[key] == "") return ""
  for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function us(ns) { return ns == "" ? "n/a" : sprintf("%.1f µs", ns / 1000) }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "n/a" : sprintf("%.2fx", a / b) }
/^# seed: / { seedline = substr($0, 9) }
/^Benchmark/ {
  name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
  for (i = 3; i < NF; i += 2) {
    key = name SUBSEP $(i + 1)
    vals[key] = vals[key] (vals[key] == "" ? "" : " ") $i
  }
}
END {
  printf "Store benchmarks, %d contacts: `%s`\n\n", contacts, ENVIRON["CMDLINE"]
  if (seedline != "") printf "Seed: %s\n\n", seedline
  print "| Lookup | Via | p50 | p99 | ns/op |"
  print "|---|---|---|---|---|"
  split("Email Phone", kinds, " ")
  for (k = 1; k <= 2; k++) {
    kind = kinds[k]
    a50 = median("ContactBy" kind SUBSEP "p50-ns"); a99 = median("ContactBy" kind SUBSEP "p99-ns"); aop = median("ContactBy" kind SUBSEP "ns/op")
    b50 = median("BareStatementBy" kind SUBSEP "p50-ns"); b99 = median("BareStatementBy" kind SUBSEP "p99-ns"); bop = median("BareStatementBy" kind SUBSEP "ns/op")
    printf "| %s | store API (ContactByField) | %s | %s | %s |\n", tolower(kind), us(a50), us(a99), aop == "" ? "n/a" : aop
    printf "| %s | bare statement | %s | %s | %s |\n", tolower(kind), us(b50), us(b99), bop == "" ? "n/a" : bop
    printf "| %s | ratio API/bare | %s | %s | %s |\n", tolower(kind), ratio(a50, b50), ratio(a99, b99), ratio(aop, bop)
  }
  rs = median("BulkLoad" SUBSEP "rows/s"); rl = median("BulkLoad" SUBSEP "rows/load")
  print ""
  print "| Bulk load (Loader, fresh database) | rows/s |"
  print "|---|---|"
  printf "| %s rows (contacts + fields) | %s |\n", rl == "" ? "n/a" : rl, rs == "" ? "n/a" : sprintf("%.0f", rs)
}' "$log"
