#!/usr/bin/env bash
# The package test: build the .deb, install it with apt as a user would, start the installed app
# the way the desktop menu does (the Exec line of its desktop entry) under Xvfb, screenshot it,
# close it, remove the package, and check the user's data survived the removal.
#
# It runs as root (apt) with a throwaway HOME, so the app keeps its database in the platform's
# usual place ($HOME/.local/share/vouchdesk) exactly as on a user's machine, and no real user's
# data is touched. A vouchdesk package already installed is removed first (data stays, as the
# test shows), so that what is tested is this build's package installed fresh.
#
# Usage: scripts/package-test.sh [OUTDIR]   (the .deb, the screenshot and sizes go to OUTDIR,
#        default out/package)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/package}
mkdir -p "$out"
out=$(cd "$out" && pwd)
say() { printf '[package-test] %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "needs root (apt install)"; exit 1; }

deb=$(scripts/package-deb.sh "$out")
say "built $deb ($(du -k "$deb" | cut -f1) KiB)"

. scripts/xvfb-session.sh
work=$(mktemp -d -t vouchdesk-pkg.XXXXXX)
chmod 755 "$work"
pid=""
cleanup() {
  local rc=$?
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  xvfb_session_stop
  if [ "$rc" -ne 0 ]; then
    cp "$work/app.log" "$out/app.log" 2>/dev/null
    apt-get remove -y -qq vouchdesk >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if dpkg-query -W -f='${Status}' vouchdesk 2>/dev/null | grep -q "install ok installed"; then
  say "removing the vouchdesk package installed before the test"
  apt-get remove -y -qq vouchdesk >/dev/null
fi
apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
dpkg-query -W -f='${Status}\n' vouchdesk | grep -q "install ok installed" || { say "the package is not installed"; exit 1; }
deps=$(dpkg-query -W -f='${Depends}' vouchdesk)
for need in libgtk-3-0 libwebkit2gtk-4.1-0; do
  grep -q "$need" <<<"$deps" || { say "the package does not depend on $need: $deps"; exit 1; }
done
if ldd /usr/bin/vouchdesk | grep -q "not found"; then ldd /usr/bin/vouchdesk >&2; say "libraries missing"; exit 1; fi
entry=/usr/share/applications/vouchdesk.desktop
validation=$(desktop-file-validate "$entry" 2>&1 || true)
[ -n "$validation" ] && { printf '%s\n' "$validation" >&2; say "desktop-file-validate has remarks on the entry"; exit 1; }
for size in 16 32 48 64 128 256 512; do
  [ -f "/usr/share/icons/hicolor/${size}x${size}/apps/vouchdesk.png" ] || { say "no ${size}px icon"; exit 1; }
done
installed_kib=$(dpkg-query -W -f='${Installed-Size}' vouchdesk)
say "installed: $installed_kib KiB; depends: $deps"

# Start it as the menu does: the Exec line, with field codes (%f, %U, ...) dropped.
exec_line=$(sed -n 's/^Exec=//p' "$entry" | head -n1 | sed 's/ *%[fFuUdDnNickvm]//g')
[ -n "$exec_line" ] || { say "the desktop entry has no Exec line"; exit 1; }
home=$work/home
mkdir -p "$home"
xvfb_session_start
# shellcheck disable=SC2086 # the Exec line is split into words, as the desktop does
env -u VOUCHDESK_DATA_DIR -u XDG_DATA_HOME HOME="$home" VOUCHDESK_LISTEN=127.0.0.1:0 $exec_line >"$work/app.log" 2>&1 &
pid=$!
wid=$(wait_for_window "$pid")
[ -n "$wid" ] || { say "no window within 30 s"; cat "$work/app.log" >&2; exit 1; }
colours=$(wait_for_content "$wid")
[ "$colours" -ge 50 ] || { say "the window stayed blank"; cat "$work/app.log" >&2; exit 1; }
import -window root "$out/installed-app.png"
wm_class=$(xprop -id "$wid" WM_CLASS 2>/dev/null | sed -n 's/.*= //p')
say "window $wid ($colours colours, WM_CLASS $wm_class); screenshot $out/installed-app.png"
grep -q "StartupWMClass=vouchdesk" "$entry" && ! grep -qi '"vouchdesk"' <<<"$wm_class" &&
  { say "StartupWMClass=vouchdesk does not match the window's WM_CLASS $wm_class"; exit 1; }

# A second start from the menu while the first runs: one instance per database. With a desktop
# session (D-Bus) the second hands over to the first and exits; without one (as here) it opens,
# says the database is in use, and touches nothing.
env -u VOUCHDESK_DATA_DIR -u XDG_DATA_HOME HOME="$home" VOUCHDESK_LISTEN=127.0.0.1:0 $exec_line >"$work/app2.log" 2>&1 &
pid2=$!
for _ in $(seq 100); do
  kill -0 "$pid2" 2>/dev/null || break
  grep -q "already using this database" "$work/app2.log" && break
  sleep 0.2
done
if kill -0 "$pid2" 2>/dev/null; then
  grep -q "already using this database" "$work/app2.log" || { say "a second instance runs without saying the database is in use"; cat "$work/app2.log" >&2; kill "$pid2"; exit 1; }
  wid2=$(wait_for_window "$pid2")
  [ -n "$wid2" ] && [ "$(wait_for_content "$wid2")" -ge 50 ] && import -window "$wid2" "$out/second-instance.png"
  kill "$pid2" 2>/dev/null; wait "$pid2" 2>/dev/null || true
  say "a second instance said the database is in use (screenshot $out/second-instance.png)"
else
  say "a second instance handed over to the first and exited"
fi
kill -0 "$pid" 2>/dev/null || { say "the first instance died when a second one started"; exit 1; }

wmctrl -i -c "$wid" 2>/dev/null || true
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
kill -0 "$pid" 2>/dev/null && { say "the app did not quit when its window was closed"; exit 1; }
wait "$pid" || { say "the app exited with an error"; cat "$work/app.log" >&2; exit 1; }
pid=""
db=$home/.local/share/vouchdesk/vouchdesk.db
[ -s "$db" ] || { say "no database at the usual place $db"; cat "$work/app.log" >&2; exit 1; }
before=$(sqlite3 "file:$db?mode=ro" 'PRAGMA user_version')

apt-get remove -y -qq vouchdesk >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
[ ! -e /usr/bin/vouchdesk ] || { say "the binary is still there after removal"; exit 1; }
[ -s "$db" ] || { say "removing the package removed the user's data"; exit 1; }
after=$(sqlite3 "file:$db?mode=ro" 'PRAGMA integrity_check; PRAGMA user_version' | tr '\n' ' ')
[ "$after" = "ok $before " ] || { say "the database changed or is damaged after removal: $after"; exit 1; }
printf 'deb_kib=%s installed_kib=%s\n' "$(du -k "$deb" | cut -f1)" "$installed_kib" > "$out/sizes.txt"
say "passed: installed, started from its menu entry, closed, removed; the data stayed (schema $before)"
