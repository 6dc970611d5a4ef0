#!/usr/bin/env bash
# Sourced by the desktop scripts: makes sure an X display with a window manager is running.
# Uses $DISPLAY when it already works; otherwise starts Xvfb :99 and openbox, and stops them on exit.
xvfb_session_start() {
  if [ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1; then return 0; fi
  export DISPLAY=:${XVFB_DISPLAY:-99}
  if ! xdpyinfo >/dev/null 2>&1; then
    Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB_PID=$!
    for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
    xdpyinfo >/dev/null 2>&1 || { echo "Xvfb did not start on $DISPLAY" >&2; return 1; }
    openbox >/dev/null 2>&1 &
    OPENBOX_PID=$!
    sleep 0.5
  fi
}
xvfb_session_stop() {
  [ -n "${OPENBOX_PID:-}" ] && kill "$OPENBOX_PID" 2>/dev/null
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null
  wait 2>/dev/null || true
}
# window_colours ID: how many distinct colours the window's own capture has.
window_colours() {
  import -window "$1" png:- 2>/dev/null | identify -format '%k' - 2>/dev/null || echo 0
}
# wait_for_window PID: the id of the process's first visible window (waits up to 30 s), or nothing.
wait_for_window() {
  timeout 30 xdotool search --sync --onlyvisible --pid "$1" 2>/dev/null | head -n1 || true
}
# wait_for_content ID: waits up to 20 s for the window to show real content (50 colours or more,
# not one flat colour) and prints how many colours it shows.
wait_for_content() {
  local colours=0
  for _ in $(seq 100); do
    colours=$(window_colours "$1")
    [ "$colours" -ge 50 ] && break
    sleep 0.2
  done
  echo "$colours"
}
