#!/usr/bin/env bash
# Prometheus and promtool from Debian's packages, for the tests that check deploy/observability and scrape
# the running services. Idempotent: does nothing when both binaries are already on PATH.
#   prometheus.sh          install when missing, print where they are
#   prometheus.sh path     print the prometheus binary's path (exit 1 when missing)
# Debian's package also enables a system service on :9090; this script stops and disables it, since the
# tests start their own server on a port of their own.
set -euo pipefail

say() { echo "prometheus: $*"; }

if [ "${1:-}" = "path" ]; then
  command -v prometheus
  exit $?
fi

if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
  say "already installed ($(command -v prometheus), $(command -v promtool))"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "prometheus: not installed, and installing needs root (apt-get install prometheus)" >&2
  exit 1
fi
say "installing Debian's prometheus package"
export DEBIAN_FRONTEND=noninteractive
# The package's own service would take :9090; keep it from starting (policy-rc.d 101 = "do not start").
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap 'if [ -n "$created_policy" ]; then rm -f "$policy"; fi' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v prometheus >/dev/null && command -v promtool >/dev/null \
  || { echo "prometheus: the package installed no prometheus/promtool binary" >&2; exit 1; }
say "installed ($(prometheus --version 2>&1 | head -n 1))"
