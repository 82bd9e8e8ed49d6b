#!/usr/bin/env bash
# Local PostgreSQL from Debian's packages, running our own cluster under $NG_RUN_DIR/postgres
# (Debian's default cluster in /etc/postgresql/*/main is never used or started).
#   postgres.sh install      apt-get install postgresql if no server binaries are present
#   postgres.sh start        initdb on first run, start, wait until ready, provision (every run)
#   postgres.sh stop         pg_ctl stop -m fast; harmless if not running
#   postgres.sh crash        pg_ctl stop -m immediate (fault tests: recovery at the next start)
#   postgres.sh status       "running"/"stopped"; exit 0/1
#   postgres.sh psql [DB]    psql as the admin user to DB (default neuguong); extra args pass through
set -euo pipefail

# shellcheck source=env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

: "${NG_PG_START_TIMEOUT:=60}"

# The cluster lives under $NG_RUN_DIR unless the postgres OS user cannot reach it (a checkout under a
# private home, say): then under /var/tmp, in a folder named after $NG_RUN_DIR so checkouts stay apart.
if [ -n "${NG_PG_ROOT:-}" ]; then
  PGROOT="$NG_PG_ROOT"
elif [ "$(id -u)" = 0 ] && ! (mkdir -p "$NG_RUN_DIR" && runuser -u postgres -- test -x "$NG_RUN_DIR") 2>/dev/null; then
  PGROOT="/var/tmp/neuguong-$(printf %s "$NG_RUN_DIR" | md5sum | cut -c1-12)/postgres"
else
  PGROOT="$NG_RUN_DIR/postgres"
fi
PGDATA_DIR="$PGROOT/data"
PGSOCK="$PGROOT/sock"
# A unix socket path is limited to 107 bytes: a deep checkout gets a short folder in /tmp instead
# (clients here connect over TCP anyway; the socket is only the server's own).
if [ "${#PGSOCK}" -gt 90 ]; then
  PGSOCK="/tmp/neuguong-pg-$(printf %s "$PGROOT" | md5sum | cut -c1-12)"
fi
if [ "$PGROOT" = "$NG_RUN_DIR/postgres" ]; then PGLOG="$NG_RUN_DIR/logs/postgres.log"; else PGLOG="$PGROOT/postgres.log"; fi

say() { echo "postgres: $*"; }
die() { echo "postgres: $*" >&2; exit 1; }

# Newest installed major's bin dir, or empty.
pg_bindir() {
  local b
  b="$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n1 || true)"
  [ -n "$b" ] && dirname "$b"
  return 0
}

# Run a server-side command as the postgres OS user (initdb/pg_ctl refuse root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

install() {
  if [ -n "$(pg_bindir)" ]; then
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed; run as root: apt-get install -y postgresql postgresql-contrib"
  say "installing PostgreSQL from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # postgresql-common first, so Debian's default 'main' cluster is not created: we run our own.
  apt-get install -y -q postgresql-common >/dev/null
  if [ -f /etc/postgresql-common/createcluster.conf ]; then
    sed -i 's/^#\?\s*create_main_cluster\s*=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
  fi
  apt-get install -y -q postgresql postgresql-contrib >/dev/null
  [ -n "$(pg_bindir)" ] || die "install finished but no /usr/lib/postgresql/*/bin/postgres found"
  say "installed $(basename "$(dirname "$(pg_bindir)")")"
}

running() {
  [ -f "$PGDATA_DIR/PG_VERSION" ] || return 1
  local bin
  bin="$(pg_bindir)"
  [ -n "$bin" ] || return 1
  as_pg "$bin/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1
}

ready() {
  "$(pg_bindir)/pg_isready" -q -h "$NG_PG_HOST" -p "$NG_PG_PORT" -t 2 >/dev/null 2>&1
}

# The server's settings, given on its command line. fsync stays on; synchronous_commit at its default.
# track_commit_timestamp and track_wal_io_timing: bench.latency reads when each projection's transaction
# committed and how long the commits' WAL flushes took, instead of polling for the rows (the polls cost the
# machine a tenth of its CPU beside what they measured).
SERVER_SETTINGS="max_connections=200 fsync=on shared_buffers=128MB track_commit_timestamp=on track_wal_io_timing=on"

server_options() {
  local s options="-p $NG_PG_PORT -k $PGSOCK -c listen_addresses=$NG_PG_HOST"
  for s in $SERVER_SETTINGS; do options="$options -c $s"; done
  echo "$options"
}

# The settings of SERVER_SETTINGS that the running server does not have (a server started by an older
# version of this script): it is restarted with them.
stale_settings() {
  local s have stale=""
  for s in $SERVER_SETTINGS; do
    have="$(PGPASSWORD="$NG_PG_ADMIN_PASSWORD" "$(pg_bindir)/psql" -h "$NG_PG_HOST" -p "$NG_PG_PORT" \
      -U "$NG_PG_ADMIN_USER" -d postgres -XAtqc "SHOW ${s%%=*}" 2>/dev/null)" || return 0  # cannot tell: leave it
    [ "$have" = "${s#*=}" ] || stale="$stale ${s%%=*}"
  done
  echo "${stale# }"
}

fail_start() {
  echo "postgres: $1 — see $PGLOG" >&2
  tail -n 30 "$PGLOG" >&2 2>/dev/null || true
  exit 1
}

prepare_dirs() {
  mkdir -p "$NG_RUN_DIR/logs" "$PGROOT"
  if [ "$(id -u)" = 0 ]; then
    [ "$PGROOT" = "$NG_RUN_DIR/postgres" ] || say "the postgres OS user cannot reach $NG_RUN_DIR; cluster in $PGROOT"
    if ! runuser -u postgres -- test -x "$PGROOT/.."; then
      die "the postgres OS user cannot reach $PGROOT; set NG_PG_ROOT to a folder it can traverse"
    fi
    touch "$PGLOG"
    chown postgres:postgres "$PGROOT" "$PGLOG"
    chmod 700 "$PGROOT"
  fi
  as_pg mkdir -p "$PGSOCK"
}

init_cluster() {
  [ -f "$PGDATA_DIR/PG_VERSION" ] && return 0
  local bin pwfile
  bin="$(pg_bindir)"
  say "initdb $PGDATA_DIR ($(basename "$(dirname "$bin")"), superuser $NG_PG_ADMIN_USER)"
  pwfile="$PGROOT/.pwfile"
  (umask 077; printf '%s\n' "$NG_PG_ADMIN_PASSWORD" >"$pwfile")
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$pwfile"
  if ! as_pg "$bin/initdb" -D "$PGDATA_DIR" --encoding=UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 \
      -U "$NG_PG_ADMIN_USER" --pwfile="$pwfile" >>"$PGLOG" 2>&1; then
    rm -f "$pwfile"
    fail_start "initdb failed"
  fi
  rm -f "$pwfile"
}

start_server() {
  local bin started=0 t0=$SECONDS reply
  bin="$(pg_bindir)"
  if running; then
    local stale=""
    if ready; then  # one still starting or recovering is waited for below, with the settings it has
      stale="$(stale_settings)"
    fi
    if [ -n "$stale" ]; then
      say "restarting: the running server lacks $stale"
      if ! reply="$(as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t "$NG_PG_START_TIMEOUT" -m fast \
          -o "$(server_options)" restart 2>&1)"; then
        fail_start "did not restart (pg_ctl: $(echo "$reply" | tail -n 1))"
      fi
      started=1
    else
      say "already running (127.0.0.1:$NG_PG_PORT)"
    fi
  else
    if ready; then
      die "something else already answers on $NG_PG_HOST:$NG_PG_PORT; set NG_PG_PORT"
    fi
    echo "===== $(date -Is) postgres.sh start =====" >>"$PGLOG"
    # pg_ctl waits (-w) for the server itself: it knows the postmaster it forked, while `pg_ctl status`
    # cannot see one that has not yet written its pid file, which on a loaded machine took long enough to
    # be mistaken for a crash.
    if ! reply="$(as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t "$NG_PG_START_TIMEOUT" \
        -o "$(server_options)" start 2>&1)"; then
      fail_start "did not start (pg_ctl: $(echo "$reply" | tail -n 1))"
    fi
    started=1
    say "started (127.0.0.1:$NG_PG_PORT)"
  fi
  local deadline=$(( SECONDS + NG_PG_START_TIMEOUT ))
  until ready; do
    if ! running; then
      fail_start "server process exited during start"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail_start "not ready after ${NG_PG_START_TIMEOUT}s"
    fi
    sleep 0.3
  done
  [ "$started" = 1 ] && say "ready (waited $(( SECONDS - t0 ))s)"
  return 0
}

provision() {
  # The one provisioning script, shared with deploy/compose and (as a copy) deploy/k8s.
  local s var
  for s in $NG_SERVICES; do  # development passwords unless the environment sets them
    var="NG_PG_PASSWORD_$(echo "$s" | tr '[:lower:]-' '[:upper:]_')"
    export "$var=${!var:-$s-dev}"
  done
  PATH="$(pg_bindir):$PATH" PGHOST="$NG_PG_HOST" PGPORT="$NG_PG_PORT" PGUSER="$NG_PG_ADMIN_USER" \
    PGPASSWORD="$NG_PG_ADMIN_PASSWORD" bash "$NG_ROOT/deploy/compose/postgres-init.sh" >/dev/null \
    || die "provisioning failed"
  say "provisioned databases [$NG_PG_DATABASES], roles ng_{${NG_SERVICES// /,}} with their own schemas"
}

start() {
  install
  prepare_dirs
  init_cluster
  start_server
  provision
}

stop() {
  local bin mode="${1:-fast}"
  bin="$(pg_bindir)"
  if [ -z "$bin" ] || ! running; then
    say "not running"
    return 0
  fi
  as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -m "$mode" -w -t 60 stop >/dev/null || die "pg_ctl stop failed — see $PGLOG"
  say "stopped ($mode)"
}

status() {
  if running; then
    say "running (127.0.0.1:$NG_PG_PORT, data $PGDATA_DIR)"
    return 0
  fi
  say "stopped"
  return 1
}

case "${1:-}" in
  install) install; say "server binaries in $(pg_bindir)" ;;
  start) start ;;
  stop) stop fast ;;
  crash) stop immediate ;;  # fault tests: no checkpoint, crash recovery at the next start
  status) status ;;
  psql)
    shift
    db="${1:-neuguong}"
    [ $# -gt 0 ] && shift
    [ -n "$(pg_bindir)" ] || die "not installed"
    PGPASSWORD="$NG_PG_ADMIN_PASSWORD" exec "$(pg_bindir)/psql" -h "$NG_PG_HOST" -p "$NG_PG_PORT" \
      -U "$NG_PG_ADMIN_USER" -d "$db" "$@"
    ;;
  *) echo "usage: $0 {install|start|stop|crash|status|psql [DB]}" >&2; exit 2 ;;
esac
