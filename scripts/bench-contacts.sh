#!/usr/bin/env bash
# Runs the contact benchmarks (backend/contacts/bench_test.go): a contact's timeline (first page
# of 50 and the whole 10,000 transactions) and a merge Save of a contact holding 5,000
# conversations and 50,000 messages with a concurrent reader, on a database of
# VOUCHDESK_BENCH_CONTACTS background contacts (default 1,000,000, seeded first: about 5 minutes on
# 2 cores), plus search as you type and call webhooks. Raw output in out/bench-contacts.txt.
#
# Usage: scripts/bench-contacts.sh   (BENCHTIME, default 30x, is passed to -benchtime)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
export VOUCHDESK_BENCH_CONTACTS=${VOUCHDESK_BENCH_CONTACTS:-1000000}
cmd=(go test -tags sqlite_fts5 -run '^$' -bench 'Timeline|MergeSave|Search|Call|CommitBare' -benchtime "${BENCHTIME:-30x}" -timeout 60m ./backend/contacts/)
echo "VOUCHDESK_BENCH_CONTACTS=$VOUCHDESK_BENCH_CONTACTS ${cmd[*]}" >&2
"${cmd[@]}" | tee out/bench-contacts.txt
