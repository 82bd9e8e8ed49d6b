#!/usr/bin/env bash
# Headless Chromium and its WebDriver from Debian's packages, for the tests that render the public honor-roll
# page and drive a service's /docs (Selenium). Idempotent: does nothing when both are already on PATH.
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

if binary="$(find_chromium)" && driver="$(command -v chromedriver)"; then
  say "already installed ($binary, $driver)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium: not installed, and installing needs root (apt-get install chromium)" >&2
  exit 1
fi
say "installing Debian's chromium and chromium-driver packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
binary="$(find_chromium)" || { echo "chromium: the package installed no chromium binary" >&2; exit 1; }
command -v chromedriver >/dev/null || { echo "chromium: the package installed no chromedriver" >&2; exit 1; }
say "installed ($binary, $("$binary" --version 2>/dev/null || echo 'version unknown'))"
