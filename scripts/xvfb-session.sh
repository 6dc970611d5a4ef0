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
