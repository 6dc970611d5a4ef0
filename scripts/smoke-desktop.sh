#!/usr/bin/env bash
# Smoke test of the built desktop binary under Xvfb: launch it on a fresh data folder, wait for
# its window, wait until the window's own capture has real content (not one flat colour), save a
# screenshot, close the window like a person would, and check the app quit cleanly.
# Then the same with a database from a newer version: the window must explain, and the file must
# come out byte-identical.
# Usage: scripts/smoke-desktop.sh [BINARY] [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bin/vouchdesk}
out=${2:-out/smoke-desktop.png}
mkdir -p "$(dirname "$out")"
. scripts/xvfb-session.sh
work=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; xvfb_session_stop; rm -rf "$work"; }
trap cleanup EXIT
xvfb_session_start

VOUCHDESK_DATA_DIR="$work/data" VOUCHDESK_LISTEN=127.0.0.1:0 "$bin" >"$work/app.log" 2>&1 &
pid=$!
wid=$(wait_for_window "$pid")
if [ -z "$wid" ]; then echo "smoke: no window appeared within 30 s"; cat "$work/app.log"; exit 1; fi

colours=$(wait_for_content "$wid")
import -window "$wid" "$out"
echo "smoke: window $wid shows $colours colours; screenshot $out"
if [ "$colours" -lt 50 ]; then echo "smoke: the window stayed blank"; cat "$work/app.log"; exit 1; fi

# Close it as a person does: the window manager's close (the title bar's X), then Alt+F4 if the
# first request was lost; both reach the app as a window-delete, which runs its shutdown.
for how in wm-close alt-f4 wm-close; do
  case $how in
    wm-close) wmctrl -i -c "$wid" 2>/dev/null || true ;;
    alt-f4) xdotool windowactivate --sync "$wid" key --clearmodifiers alt+F4 2>/dev/null || true ;;
  esac
  for _ in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null || break
  echo "smoke: still running after $how"
done
if kill -0 "$pid" 2>/dev/null; then echo "smoke: the app did not quit when its window was closed"; cat "$work/app.log"; exit 1; fi
wait "$pid" && rc=0 || rc=$?
pid=
grep -q "vouchdesk started" "$work/app.log" || { echo "smoke: the engine did not start"; cat "$work/app.log"; exit 1; }
[ -f "$work/data/vouchdesk.db" ] || { echo "smoke: no database was created"; exit 1; }
if [ "$rc" -ne 0 ]; then echo "smoke: exit code $rc"; cat "$work/app.log"; exit 1; fi
echo "smoke: ok (quit cleanly, database at schema $(sqlite3 "$work/data/vouchdesk.db" 'PRAGMA user_version'))"

# A database written by a newer Vouch Desk: refused with an explanation, never modified.
mkdir -p "$work/newer"
sqlite3 "$work/newer/vouchdesk.db" "CREATE TABLE future (x); PRAGMA user_version = 999; PRAGMA application_id = 1447316273;"
before=$(sha256sum "$work/newer/vouchdesk.db")
VOUCHDESK_DATA_DIR="$work/newer" VOUCHDESK_LISTEN=127.0.0.1:0 "$bin" >"$work/newer.log" 2>&1 &
pid=$!
wid=$(timeout 30 xdotool search --sync --onlyvisible --pid "$pid" 2>/dev/null | head -n1 || true)
[ -n "$wid" ] || { echo "smoke: no window for the newer database"; cat "$work/newer.log"; exit 1; }
for _ in $(seq 100); do [ "$(window_colours "$wid")" -ge 50 ] && break; sleep 0.2; done
sleep 0.5
import -window "$wid" "${out%.png}-newer-db.png"
wmctrl -i -c "$wid" 2>/dev/null || true
for _ in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=
grep -q "db_too_new\|newer Vouch Desk" "$work/newer.log" || { echo "smoke: the newer database was not reported"; cat "$work/newer.log"; exit 1; }
[ "$before" = "$(sha256sum "$work/newer/vouchdesk.db")" ] || { echo "smoke: the newer database was modified"; exit 1; }
[ ! -e "$work/newer/vouchdesk.db-wal" ] || { echo "smoke: a WAL file appeared beside the newer database"; exit 1; }
echo "smoke: ok (newer database refused and untouched; screenshot ${out%.png}-newer-db.png)"
