#!/usr/bin/env bash
# Runs the benchmarks on the contact benchmarks' database (backend/testutil/benchdata): a contact's
# timeline (first page of 50 and the whole 10,000 transactions), a merge Save of a contact holding
# 5,000 conversations and 50,000 messages with a concurrent reader, and search as you type
# (backend/contacts); call webhooks with their baselines (backend/calls); and one backup of the
# whole database while the desktop's calls go on (backend/store). The database holds
# VOUCHDESK_BENCH_CONTACTS background contacts (default 1,000,000) and is seeded afresh by each of
# the three packages' test processes (about 5 minutes each on 2 cores). Packages run one after the
# other (-p 1) so no benchmark shares the CPU or disk with another. Raw output in
# out/bench-contacts.txt.
#
# Usage: scripts/bench-contacts.sh   (BENCHTIME, default 30x, is passed to -benchtime; the backup
# runs once)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
export VOUCHDESK_BENCH_CONTACTS=${VOUCHDESK_BENCH_CONTACTS:-1000000}
cmd=(go test -p 1 -tags sqlite_fts5 -run '^$' -bench 'Timeline|MergeSave|Search|Call|CommitBare' -benchtime "${BENCHTIME:-30x}" -timeout 60m ./backend/contacts/ ./backend/calls/)
backup=(go test -tags sqlite_fts5 -run '^$' -bench BackupWhileWorking -benchtime 1x -timeout 60m ./backend/store/)
echo "VOUCHDESK_BENCH_CONTACTS=$VOUCHDESK_BENCH_CONTACTS ${cmd[*]}" >&2
"${cmd[@]}" | tee out/bench-contacts.txt
echo "VOUCHDESK_BENCH_CONTACTS=$VOUCHDESK_BENCH_CONTACTS ${backup[*]}" >&2
"${backup[@]}" | tee -a out/bench-contacts.txt
