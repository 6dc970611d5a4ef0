#!/usr/bin/env bash
# The chat end-to-end suite: a customer in the widget on the /demo page and an agent in the real
# desktop UI, both in Debian's Chromium driven by Playwright (frontend/e2e/chat.e2e.mjs), against
# the real engine and real mail servers.
#
# What runs, all on loopback and all stopped at the end:
#   - Postfix and Dovecot (scripts/mailservers.sh): the organization's sender mailbox, and a
#     mailbox for every customer address at the test domain, read back from disk by the suite;
#   - a private D-Bus session with gnome-keyring (mail account passwords go to the OS keyring);
#     the bus has no service directories, so nothing else (e.g. a desktop portal) is activated;
#   - Xvfb, because the app always opens its window;
#   - a fake Google (frontend/e2e/fakegoogle.mjs): an OpenID Connect issuer and a stand-in for
#     Google's sign-in script on a free port, started first because the app takes its URLs
#     (VOUCHDESK_GOOGLE_ISSUER_URL, VOUCHDESK_GOOGLE_SCRIPT_URL) at start;
#   - the desktop app built in Wails' dev mode (`-tags dev`): the same Go code and the same
#     frontend build (frontend/dist), with Wails' dev server on 127.0.0.1:34115 serving that UI
#     to a browser with working Go bindings. Its widget server takes a free port.
#
# Usage: scripts/e2e-chat.sh [OUTDIR]   (screenshots and, on failure, logs go to OUTDIR, default
#        out/e2e-chat). Needs root for the mail servers. Build the frontend first (make test does).
#        UP=1 starts everything, prints the environment and waits (for working on the suite).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-out/e2e-chat}
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { printf '[e2e-chat] %s\n' "$*" >&2; }

[ -f frontend/dist/index.html ] || { say "frontend/dist is missing: run make build first"; exit 1; }
scripts/mailservers.sh install

tmp=$(mktemp -d -t vouchdesk-e2e.XXXXXX)
# The mail servers run as their own users and must reach their folder below this one.
chmod 711 "$tmp"
app_pid="" bus_pid="" keyring_pid="" google_pid=""
cleanup() {
  local rc=$?
  [ -n "$app_pid" ] && kill -- -"$app_pid" 2>/dev/null || true
  [ -n "$google_pid" ] && kill "$google_pid" 2>/dev/null || true
  [ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null || true
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null || true
  scripts/mailservers.sh stop "$tmp/mail" >/dev/null 2>&1 || true
  xvfb_session_stop 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    cp "$tmp/app.log" "$out/app.log" 2>/dev/null || true
    cp "$tmp/google.log" "$out/fakegoogle.log" 2>/dev/null || true
    scripts/mailservers.sh logs "$tmp/mail" 2>"$out/mailservers.log" || true
    say "failed: logs in $out"
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building the app in Wails dev mode"
go build -tags "dev webkit2_41 sqlite_fts5" -o "$tmp/vouchdesk-dev" .

mkdir -p "$tmp/mail"
scripts/mailservers.sh start "$tmp/mail"
# shellcheck disable=SC1091
. "$tmp/mail/env"

. scripts/xvfb-session.sh
XVFB_DISPLAY=${XVFB_DISPLAY:-97} xvfb_session_start

# A private session bus and keyring in a throwaway home: no real keyring is touched.
mkdir -p "$tmp/home" "$tmp/run" && chmod 700 "$tmp/run"
cat > "$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$tmp/run/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid > "$tmp/bus.pid"
bus_pid=$(cat "$tmp/bus.pid")
export DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/run/bus
export XDG_RUNTIME_DIR=$tmp/run XDG_DATA_HOME=$tmp/home/data XDG_CONFIG_HOME=$tmp/home/config
# The keyring daemon forks; --foreground keeps its pid ours to stop.
printf '\n' | HOME=$tmp/home gnome-keyring-daemon --foreground --unlock --components=secrets >"$tmp/keyring.log" 2>&1 &
keyring_pid=$!
for _ in $(seq 50); do
  dbus-send --session --dest=org.freedesktop.DBus --print-reply /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
  sleep 0.1
done

node frontend/e2e/fakegoogle.mjs --port-file "$tmp/google.url" >"$tmp/google.log" 2>&1 &
google_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/google.url" ] && break
  kill -0 "$google_pid" 2>/dev/null || { say "the fake Google exited"; cat "$tmp/google.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$tmp/google.url" ] || { say "the fake Google did not start"; exit 1; }
google_url=$(cat "$tmp/google.url")
say "fake Google on $google_url"

say "starting the app (UI on 127.0.0.1:34115)"
VOUCHDESK_GOOGLE_ISSUER_URL=$google_url VOUCHDESK_GOOGLE_SCRIPT_URL=$google_url/gsi/client \
  HOME=$tmp/home VOUCHDESK_DATA_DIR=$tmp/data VOUCHDESK_LISTEN=127.0.0.1:0 \
  SSL_CERT_FILE=$VOUCHDESK_IT_CA devserver=127.0.0.1:34115 assetdir=$root/frontend/dist \
  setsid "$tmp/vouchdesk-dev" >"$tmp/app.log" 2>&1 &
app_pid=$!
widget_addr=""
for _ in $(seq 300); do
  # The widget server takes a free port and says which.
  [ -n "$widget_addr" ] || widget_addr=$(sed -n 's/.*widget server listening" addr=\([0-9.:]*\).*/\1/p' "$tmp/app.log" | head -n1)
  [ -n "$widget_addr" ] && curl -fsS "http://$widget_addr/healthz" >/dev/null 2>&1 &&
    curl -fsS http://127.0.0.1:34115/ >/dev/null 2>&1 && break
  kill -0 "$app_pid" 2>/dev/null || { say "the app exited"; cat "$tmp/app.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$widget_addr" ] || { say "the app did not start its widget server"; exit 1; }
say "widget server on $widget_addr"

export E2E_UI_URL=http://127.0.0.1:34115 E2E_WIDGET_URL=http://$widget_addr
export E2E_MAIL_DIR=$tmp/mail/mail E2E_DATA_DIR=$tmp/data E2E_OUT=$out E2E_GOOGLE_URL=$google_url
if [ "${UP:-}" = 1 ]; then
  say "up; environment in $tmp/e2e.env; Ctrl-C stops everything"
  export -p | grep -E 'E2E_|VOUCHDESK_IT_' > "$tmp/e2e.env"
  echo "$tmp/e2e.env"
  while kill -0 "$app_pid" 2>/dev/null; do sleep 1; done
  exit 0
fi
(cd frontend && node e2e/chat.e2e.mjs)
say "passed; screenshots in $out"
