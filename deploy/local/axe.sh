#!/usr/bin/env bash
# axe-core (the accessibility engine the console's browser tests inject into each page), pinned, from npm.
# Idempotent: does nothing when the pinned version is already under $NG_RUN_DIR/axe.
#   axe.sh          install when missing, print where it is
#   axe.sh path     print the path of axe.min.js (exit 1 when missing)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"

AXE_VERSION=4.10.3
prefix="$NG_RUN_DIR/axe"
script="$prefix/node_modules/axe-core/axe.min.js"

installed() {
  [ -f "$script" ] && grep -q "\"version\": \"$AXE_VERSION\"" "$prefix/node_modules/axe-core/package.json"
}

if [ "${1:-}" = "path" ]; then
  installed && echo "$script"
  exit $?
fi
if installed; then
  echo "axe: axe-core $AXE_VERSION already installed ($script)"
  exit 0
fi
command -v npm >/dev/null || { echo "axe: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-save --no-audit --no-fund --silent "axe-core@$AXE_VERSION" >/dev/null
installed || { echo "axe: npm did not install axe-core $AXE_VERSION" >&2; exit 1; }
echo "axe: installed axe-core $AXE_VERSION ($script)"
