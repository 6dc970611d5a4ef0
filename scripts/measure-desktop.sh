#!/usr/bin/env bash
# Measures the desktop app's cold start to first paint and its idle memory, beside an empty Wails
# svelte-ts template app built and measured the same way in the same run.
#   first paint: from exec until the window's own capture shows real content (>= 50 colours);
#   idle memory: PSS summed over the app and its WebKit processes (all descendants), 10 s after start.
# Each app runs RUNS times (default 5) on a fresh data folder; the median and the worst are printed
# as a markdown table. The desktop is measured twice: solo (an empty database) and as a team
# member's desktop (row "vouchdesk (team)"): signed in to a small team server on loopback
# (backend/cmd/teamfixture, an empty organization), its token in a real Secret Service
# (gnome-keyring in a private D-Bus session, which the whole run uses), copying the organization
# at start and then following the server. Usage: scripts/measure-desktop.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VOUCHDESK_MEASURE_INNER:-}" ]; then
  keyhome=$(mktemp -d); trap 'rm -rf "$keyhome"' EXIT
  mkdir -p "$keyhome/run" && chmod 700 "$keyhome/run"
  go build -tags "webkit2_41 sqlite_fts5" -o "$keyhome/teamfixture" ./backend/cmd/teamfixture
  HOME=$keyhome XDG_RUNTIME_DIR=$keyhome/run VOUCHDESK_MEASURE_INNER=$keyhome \
    GOCACHE=$(go env GOCACHE) GOPATH=$(go env GOPATH) dbus-run-session -- "$0" "$@"
  exit
fi
eval "$(printf '\n' | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
bin=${1:-build/bin/vouchdesk}
runs=${RUNS:-5}
root=$(pwd)
WAILS=${WAILS:-$(go env GOPATH)/bin/wails}
. scripts/xvfb-session.sh
work=$(mktemp -d)
fixture=
trap '[ -n "$fixture" ] && kill "$fixture" 2>/dev/null; xvfb_session_stop; rm -rf "$work"' EXIT

# The empty template app, built once into out/measure (not part of the repo). The template still
# mounts with Svelte 4's `new App(...)`, which leaves the window blank under Svelte 5; we fix only
# that (and the Vite plugin version Vite 8 needs), nothing else.
template_bin() {
  local dir=$root/out/measure/emptyapp
  if [ ! -x "$dir/build/bin/emptyapp" ]; then
    rm -rf "$dir"; mkdir -p "$root/out/measure"
    (cd "$root/out/measure" && "$WAILS" init -n emptyapp -t svelte-ts >/dev/null)
    cat >"$dir/frontend/src/main.ts" <<'TS'
import './style.css'
import { mount } from 'svelte'
import App from './App.svelte'
const app = mount(App, { target: document.getElementById('app')! })
export default app
TS
    sed -i 's#"@sveltejs/vite-plugin-svelte": "[^"]*"#"@sveltejs/vite-plugin-svelte": "^7.0.0"#' "$dir/frontend/package.json"
    (cd "$dir" && "$WAILS" build -tags webkit2_41 -m >/dev/null)
  fi
  echo "$dir/build/bin/emptyapp"
}

# descendants PID: PID and every process below it.
descendants() {
  local p=$1; echo "$p"
  for c in $(pgrep -P "$p" 2>/dev/null); do descendants "$c"; done
}

pss_mb() {
  local total=0 kb
  for p in $(descendants "$1"); do
    kb=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo $((total / 1024))
}

# measure BINARY [TEAM_DIR]: prints "first_paint_ms pss_mb" for one cold start; with TEAM_DIR, on
# a fresh data folder holding only that team session (the replica is made at start).
measure() {
  local b=$1 data=$work/data-$RANDOM start pid wid t0 ms c
  if [ -n "${2:-}" ]; then mkdir -p "$data" && cp "$2/team.json" "$data/"; fi
  t0=$(date +%s%N)
  VOUCHDESK_DATA_DIR=$data VOUCHDESK_LISTEN=127.0.0.1:0 "$b" >"$work/log" 2>&1 &
  pid=$!
  # xdotool's own --sync polls every 500 ms: too coarse here, so poll at 10 ms ourselves.
  wid=
  for _ in $(seq 3000); do
    wid=$(xdotool search --onlyvisible --pid "$pid" 2>/dev/null | head -n1 || true)
    [ -n "$wid" ] && break
    sleep 0.01
  done
  ms=
  for _ in $(seq 600); do
    c=$(window_colours "$wid")
    if [ "$c" -ge 50 ]; then
      ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      import -window "$wid" "$root/out/measure/first-paint-$(basename "$b")${2:+-team}.png" 2>/dev/null || true
      break
    fi
    sleep 0.01
  done
  sleep $(( 10 - (($(date +%s%N) - t0) / 1000000000) ))
  local mem; mem=$(pss_mb "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "${ms:-NA} $mem"
}

stats() { # median and max of a column of numbers
  sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%d %d", m, a[NR]}'
}

xvfb_session_start
tbin=$(template_bin)
"$VOUCHDESK_MEASURE_INNER/teamfixture" --dir "$work/server" >"$work/fixture.out" 2>"$work/fixture.err" &
fixture=$!
for _ in $(seq 300); do grep -q '^ready' "$work/fixture.out" && break; sleep 0.1; done
grep -q '^ready' "$work/fixture.out" || { cat "$work/fixture.err" >&2; exit 1; }
teamdir=$(awk '/^ready/{print $3}' "$work/fixture.out")
declare -A paint mem
names=(vouchdesk "vouchdesk (team)" emptyapp)
for name in "${names[@]}"; do
  b=$bin; team=; [ "$name" = emptyapp ] && b=$tbin; [ "$name" = "vouchdesk (team)" ] && team=$teamdir
  measure "$b" "$team" >/dev/null   # warm-up run: first launch compiles shaders, fills font caches
  : >"$work/$name"
  for _ in $(seq "$runs"); do measure "$b" "$team" >>"$work/$name"; done
  paint[$name]=$(cut -d' ' -f1 "$work/$name" | stats)
  mem[$name]=$(cut -d' ' -f2 "$work/$name" | stats)
done
echo "| app | first paint median (ms) | first paint worst (ms) | idle PSS median (MB) | idle PSS worst (MB) |"
echo "| --- | --- | --- | --- | --- |"
for name in "${names[@]}"; do
  read -r pm pw <<<"${paint[$name]}"; read -r mm mw <<<"${mem[$name]}"
  echo "| $name | $pm | $pw | $mm | $mw |"
done
echo
echo "runs: $runs per app after one warm-up; $(date -u +%Y-%m-%d); $(nproc) cores"
