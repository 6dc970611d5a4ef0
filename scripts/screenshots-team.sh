#!/usr/bin/env bash
# Screenshots of a team member's desktop, the built app against a real team server: a small
# server made by backend/cmd/teamfixture (an engine with the agents' API and 20,000 generated
# contacts) and a desktop data folder signed in to it, the session token in a real Secret Service
# (gnome-keyring in a private D-Bus session, as scripts/keyring-test.sh). Saves in
# docs/screenshots/: desktop-team-join.png (first run, Join a team), desktop-team-copying.png
# (the first copy), desktop-team-inbox.png, desktop-team-avatar-menu.png, desktop-team-agents.png
# (Organization -> Agents) and desktop-team-offline.png (the server stopped).
# Clicks are at positions in the 1280x800 window. Usage: scripts/screenshots-team.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VOUCHDESK_TEAM_SHOTS_INNER:-}" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/run" && chmod 700 "$tmp/run"
  go build -tags "webkit2_41 sqlite_fts5" -o "$tmp/teamfixture" ./backend/cmd/teamfixture
  HOME=$tmp XDG_RUNTIME_DIR=$tmp/run VOUCHDESK_TEAM_SHOTS_INNER=$tmp dbus-run-session -- "$0" "$@"
  exit
fi
tmp=$VOUCHDESK_TEAM_SHOTS_INNER
bin=${1:-build/bin/vouchdesk}
shots=docs/screenshots
mkdir -p "$shots" "$tmp/server" "$tmp/solo"
. scripts/xvfb-session.sh
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; xvfb_session_stop' EXIT
eval "$(printf '\n' | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
xvfb_session_start

"$tmp/teamfixture" --dir "$tmp/server" --contacts 20000 >"$tmp/fixture.out" 2>"$tmp/fixture.err" &
fixture=$!; pids+=("$fixture")
for _ in $(seq 1200); do grep -q '^ready' "$tmp/fixture.out" && break; sleep 0.1; done
grep -q '^ready' "$tmp/fixture.out" || { cat "$tmp/fixture.err" >&2; exit 1; }
desk=$(awk '/^ready/{print $3}' "$tmp/fixture.out")

# launch DATA: starts the app and prints its window id once the window shows content.
launch() {
  VOUCHDESK_DATA_DIR=$1 VOUCHDESK_LISTEN=127.0.0.1:0 "$bin" >"$tmp/app.log" 2>&1 &
  pids+=($!)
  local wid; wid=$(timeout 30 xdotool search --sync --onlyvisible --pid $! | head -n1)
  for _ in $(seq 50); do [ "$(window_colours "$wid")" -ge 50 ] && break; sleep 0.2; done
  echo "$wid"
}
click() { xdotool mousemove --window "$1" "$2" "$3" click 1; sleep "${4:-1}"; }

wid=$(launch "$tmp/solo")
click "$wid" 743 236 0.5
import -window "$wid" "$shots/desktop-team-join.png"
wmctrl -i -c "$wid"; sleep 1

wid=$(launch "$desk")
sleep 1
import -window "$wid" "$shots/desktop-team-copying.png"
sleep 25 # the first copy of 20,000 contacts and their conversations
import -window "$wid" "$shots/desktop-team-inbox.png"
click "$wid" 1170 30 0.7
import -window "$wid" "$shots/desktop-team-avatar-menu.png"
xdotool key Escape; sleep 0.3
click "$wid" 94 181 1
click "$wid" 632 180 1.5
import -window "$wid" "$shots/desktop-team-agents.png"
kill "$fixture"; sleep 4
click "$wid" 72 97 1.5
import -window "$wid" "$shots/desktop-team-offline.png"
echo "screenshots in $shots/desktop-team-*.png"
