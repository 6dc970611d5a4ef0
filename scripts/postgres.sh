#!/usr/bin/env bash
# A private PostgreSQL for the tests and benchmarks of the server's store, from Debian's own
# `postgresql` package, with every file under one directory:
#
#   initdb into DIR/data (owned by the `postgres` system user: the server refuses to run as
#   root), listening on 127.0.0.1 at a free port and on a unix socket in DIR/socket. Local
#   connections are trusted (only this machine's users can reach a loopback port or that
#   folder); the tests connect as the superuser `postgres`.
#
# Usage: scripts/postgres.sh install          install the package when missing (needs root/sudo)
#        scripts/postgres.sh start DIR [bench] start a fresh cluster, wait until it answers, write
#                                             DIR/env. Without `bench` fsync is off (tests never
#                                             survive a power cut; it halves their time); with it
#                                             the server keeps its durable defaults.
#        scripts/postgres.sh stop DIR         stop it (fast shutdown) and wait until it is gone
#        scripts/postgres.sh logs DIR         print the server's log
#
# DIR/env exports VOUCHDESK_TEST_POSTGRES, a URL of the cluster's `postgres` database that the
# test helpers use to create one database per test (backend/testutil).
set -euo pipefail

HOST=127.0.0.1
say() { printf '[postgres] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# as_pg runs a command as the postgres user (the server refuses root).
as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else as_root runuser -u postgres -- "$@"; fi
}

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && echo "$d"; done | sort -V | tail -1
}

cmd_install() {
  if [ -n "$(bindir)" ]; then return 0; fi
  say "installing Debian's postgresql"
  # policy-rc.d 101 keeps the distribution's own cluster from starting during the install.
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
  [ -n "$(bindir)" ] || die "postgresql installed, but no pg_ctl under /usr/lib/postgresql"
}

# shellcheck source=scripts/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

cmd_start() {
  local dir=$1 mode=${2:-test} bin port
  bin=$(bindir)
  [ -n "$bin" ] || die "PostgreSQL is not installed: run scripts/postgres.sh install"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/data" ] || die "$dir/data exists: stop and remove it first"
  # The postgres user must reach DIR: make the path to it traversable, DIR itself its own.
  local p=$dir
  while [ "$p" != / ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
  as_root chown postgres "$dir"
  as_pg mkdir -m 700 "$dir/data"
  as_pg mkdir -m 755 "$dir/socket"
  # C collation: text sorts by bytes, as in SQLite; C.UTF-8 ctype: letters beyond ASCII are
  # letters (trigram search), and the encoding is UTF-8.
  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --lc-ctype=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  local extra=""
  if [ "$mode" != bench ]; then
    extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  port=$(free_port)
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 start -o \
    "-k $dir/socket -p $port -c listen_addresses=$HOST -c max_connections=300 -c shared_buffers=256MB $extra" >/dev/null ||
    { cat "$dir/data/server.log" >&2; die "the server did not start"; }
  echo "$port" >"$dir/port"
  cat >"$dir/env" <<EOF
export VOUCHDESK_TEST_POSTGRES='postgres://postgres@$HOST:$port/postgres?sslmode=disable'
export VOUCHDESK_TEST_POSTGRES_DIR='$dir'
EOF
  say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $HOST:$port ($mode)"
}

cmd_stop() {
  local dir=$1 bin
  bin=$(bindir)
  [ -d "$dir/data" ] || return 0
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

case "${1:-}" in
install) cmd_install ;;
start) [ -n "${2:-}" ] || die "usage: $0 start DIR [bench]"; cmd_start "$2" "${3:-test}" ;;
stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; cmd_stop "$2" ;;
logs) cat "$2/data/server.log" ;;
*) die "usage: $0 install | start DIR [bench] | stop DIR | logs DIR" ;;
esac
