#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the test that renders the public honor-roll page.
# Idempotent: does nothing when a chromium binary is already on PATH.
#   chromium.sh            install when missing, print where it is
#   chromium.sh path       print the binary's path (exit 1 when missing)
set -euo pipefail

say() { echo "chromium: $*"; }

find_chromium() {
  command -v chromium || command -v chromium-browser || command -v google-chrome || return 1
}

if [ "${1:-}" = "path" ]; then
  find_chromium
  exit $?
fi

if binary="$(find_chromium)"; then
  say "already installed ($binary)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium: not installed, and installing needs root (apt-get install chromium)" >&2
  exit 1
fi
say "installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
binary="$(find_chromium)" || { echo "chromium: the package installed no chromium binary" >&2; exit 1; }
say "installed ($binary, $("$binary" --version 2>/dev/null || echo 'version unknown'))"
