#!/usr/bin/env bash
# Run every service as its own process: services.sh start|stop|status.
# Each service: `neuguong serve <name>` on 127.0.0.1:<NG_HTTP_PORT_BASE + n>, log in $NG_RUN_DIR/logs/<name>.log;
# the web console ($NG_WEB_SERVICES) comes after them and is told where each service's API is (NG_<NAME>_URL).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"

: "${NG_VENV:=$NG_ROOT/.venv}"
: "${NG_HTTP_PORT_BASE:=8100}"
: "${NG_PG_DATABASE:=neuguong}"
: "${NG_JWT_PUBLIC_KEY_FILE:=$NG_RUN_DIR/keys/jwt-public.pem}"
: "${NG_SERVICE_START_TIMEOUT:=60}"
export NG_PG_DATABASE NG_JWT_PUBLIC_KEY_FILE
pids="$NG_RUN_DIR/services"
logs="$NG_RUN_DIR/logs"
everything="$NG_SERVICES $NG_WEB_SERVICES"

port_of() {
  local n=1 s
  for s in $everything; do
    [ "$s" = "$1" ] && { echo $((NG_HTTP_PORT_BASE + n)); return; }
    n=$((n + 1))
  done
}

# Alive means a live `neuguong serve <name>`: a killed process can linger as a zombie (kill -0 still
# succeeds, its cmdline is empty), and a pid can be reused by another program.
alive() {
  local pid cmdline
  pid="$(cat "$pids/$1.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # The whole command line first: grep -q on a pipe can close it early, and pipefail calls that a failure.
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"neuguong serve $1"* ]]
}

# A process this run has just launched: right after the fork the child is still this script, so the
# command-line guard of alive() would call a starting service dead. Alive and not a zombie is enough.
launched_alive() {
  local pid state
  pid="$(cat "$pids/$1.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [ "$state" != Z ]
}

start_one() {
  local s=$1 port
  port=$(port_of "$s")
  if alive "$s"; then
    echo "$s: already running (pid $(cat "$pids/$s.pid"), http://127.0.0.1:$port)"
    return
  fi
  NG_HTTP_PORT=$port nohup "$NG_VENV/bin/neuguong" serve "$s" >>"$logs/$s.log" 2>&1 &
  echo $! >"$pids/$s.pid"
}

wait_ready() {
  local s=$1 port waited=0
  port=$(port_of "$s")
  until "$NG_VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    if ! launched_alive "$s"; then
      echo "$s: exited during start — see $logs/$s.log" >&2; tail -n 30 "$logs/$s.log" >&2; return 1
    fi
    if [ "$waited" -ge "$NG_SERVICE_START_TIMEOUT" ]; then
      echo "$s: not ready after ${waited}s — see $logs/$s.log" >&2; tail -n 30 "$logs/$s.log" >&2; return 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  echo "$s: ready on http://127.0.0.1:$port (pid $(cat "$pids/$s.pid"))"
}

# SIGTERM to every running one at once, then up to 10 s for them all (each drains its batch and leaves its
# consumer group in parallel with the others); whatever is left after that is killed.
stop_all() {
  local s pid waited=0 stopping=()
  for s in "$@"; do
    if alive "$s"; then
      kill -TERM "$(cat "$pids/$s.pid")"
      stopping+=("$s")
    else
      rm -f "$pids/$s.pid"
    fi
  done
  for s in ${stopping[@]+"${stopping[@]}"}; do
    pid=$(cat "$pids/$s.pid")
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 20 ]; do sleep 0.5; waited=$((waited + 1)); done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    rm -f "$pids/$s.pid"
    echo "$s: stopped"
  done
}

case "${1:-}" in
  start)
    [ -x "$NG_VENV/bin/neuguong" ] || { echo "services: no $NG_VENV/bin/neuguong — run 'make venv' first" >&2; exit 1; }
    [ -f "$NG_JWT_PUBLIC_KEY_FILE" ] || { echo "services: no token key $NG_JWT_PUBLIC_KEY_FILE — run 'make keys'" >&2; exit 1; }
    mkdir -p "$pids" "$logs"
    for s in $NG_SERVICES; do
      export "NG_${s^^}_URL=http://127.0.0.1:$(port_of "$s")"
    done
    for s in $everything; do start_one "$s"; done
    for s in $everything; do wait_ready "$s"; done ;;
  stop)
    # shellcheck disable=SC2086  # the names, one word each
    stop_all $everything ;;
  status)
    rc=0
    for s in $everything; do
      if alive "$s"; then echo "$s: running on http://127.0.0.1:$(port_of "$s")"; else echo "$s: stopped"; rc=1; fi
    done
    exit $rc ;;
  port) port_of "$2" ;;
  *) echo "usage: $0 start|stop|status|port SERVICE" >&2; exit 2 ;;
esac
