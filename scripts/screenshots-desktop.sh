#!/usr/bin/env bash
# Drives the built desktop app through its first run under Xvfb (typing like a person, with a name
# that contains HTML to show it is rendered inert), and saves the screenshots in docs/screenshots/:
# desktop-first-run.png, desktop-inbox.png, desktop-db-locked.png (a second app on the same data),
# then Organization -> Address: add a sender email (desktop-sender-pending-real.png) and the
# Delivery log with the verification email waiting for an SMTP relay (desktop-delivery-log-real.png).
# Clicks are at positions in the 1280x800 window.
# Usage: scripts/screenshots-desktop.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/bin/vouchdesk}
shots=docs/screenshots
mkdir -p "$shots"
. scripts/xvfb-session.sh
data=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; xvfb_session_stop; rm -rf "$data"' EXIT
xvfb_session_start

# launch: starts the app on $data and prints its window id once the window shows content.
launch() {
  VOUCHDESK_DATA_DIR=$data VOUCHDESK_LISTEN=127.0.0.1:0 "$bin" >/dev/null 2>&1 &
  pids+=($!)
  local wid; wid=$(timeout 30 xdotool search --sync --onlyvisible --pid $! | head -n1)
  for _ in $(seq 50); do [ "$(window_colours "$wid")" -ge 50 ] && break; sleep 0.2; done
  echo "$wid"
}
close() { wmctrl -i -c "$1"; sleep 1.5; }

wid=$(launch)
xdotool windowactivate --sync "$wid"; sleep 0.5
xdotool type --delay 20 'Acme Parcels <b>Ltd</b>'
xdotool key Tab; xdotool type --delay 20 'Olive Owner'
xdotool key Tab; xdotool type --delay 20 'olive@acme.test'
sleep 0.3; import -window "$wid" "$shots/desktop-first-run.png"
xdotool key Return; sleep 1.5
import -window "$wid" "$shots/desktop-inbox.png"
second=$(launch)
sleep 0.5; import -window "$second" "$shots/desktop-db-locked.png"
close "$second"
xdotool windowactivate --sync "$wid"
xdotool mousemove --window "$wid" 95 181 click 1; sleep 1          # Organization
xdotool mousemove --window "$wid" 702 573 click 1; sleep 0.7       # Add sender email
xdotool type --delay 15 'support@acme.test'; xdotool key Return; sleep 1.5
import -window "$wid" "$shots/desktop-sender-pending-real.png"
xdotool mousemove --window "$wid" 534 179 click 1; sleep 2         # Delivery log
import -window "$wid" "$shots/desktop-delivery-log-real.png"
close "$wid"
echo "screenshots in $shots; organization in the database: $(sqlite3 "$data/vouchdesk.db" 'SELECT name FROM organizations')"
