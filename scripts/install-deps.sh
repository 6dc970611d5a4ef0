#!/usr/bin/env bash
# Installs what building and testing Vouch Desk needs and is missing, without asking questions:
# Debian/Ubuntu packages (apt-get), the Wails CLI (go install) and the frontend's npm packages
# (npm ci). Safe to run again: it only installs what is absent.
# Usage: scripts/install-deps.sh [--runtime-only]   (--runtime-only skips the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

WAILS_VERSION=$(sed -n 's/^WAILS_VERSION *:= *//p' Makefile)
BUILD_PACKAGES=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev)
TEST_PACKAGES=(xvfb openbox xdotool wmctrl imagemagick x11-utils chromium sqlite3 procps gnome-keyring dbus-daemon dbus-bin curl desktop-file-utils)

say() { printf '[deps] %s\n' "$*"; }

install_system_packages() {
  local wanted=("${BUILD_PACKAGES[@]}")
  [ "${1:-}" = "--runtime-only" ] || wanted+=("${TEST_PACKAGES[@]}")
  if ! command -v apt-get >/dev/null 2>&1; then
    say "not a Debian/Ubuntu system: install the equivalents of ${wanted[*]} yourself (see README.md)"
    return 0
  fi
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && { say "system packages present"; return 0; }
  say "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

check_toolchains() {
  command -v go >/dev/null || { say "Go is missing: install Go >= 1.26 from your distribution or go.dev"; exit 1; }
  command -v node >/dev/null && command -v npm >/dev/null || {
    say "Node.js is missing: install Node.js >= 20.19 with npm"; exit 1; }
  local v; v=$(node -p 'process.versions.node')
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
    say "Node.js $v is too old: Vite 8 needs >= 20.19"; exit 1; }
}

install_wails() {
  local gobin; gobin=$(go env GOBIN); [ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
  if [ -x "$gobin/wails" ] && "$gobin/wails" version 2>/dev/null | grep -q "$WAILS_VERSION"; then
    say "wails $WAILS_VERSION present"
  else
    say "installing wails $WAILS_VERSION"
    go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
  fi
}

install_npm_packages() {
  local stamp=frontend/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ "$stamp" -nt frontend/package-lock.json ]; then
    say "npm packages present"
  else
    say "installing npm packages"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

install_system_packages "${1:-}"
check_toolchains
install_wails
install_npm_packages
