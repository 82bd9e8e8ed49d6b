# shellcheck shell=bash
# Shared settings for deploy/local/*.sh (and the Makefile via `bash -c`).
# Source it; every value is a default that an existing environment variable overrides.

# Repo root, from this file's location (works when sourced from anywhere).
_ng_env_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NG_ROOT="${NG_ROOT:-$(cd "$_ng_env_dir/../.." && pwd)}"
unset _ng_env_dir

# Everything a run writes: logs/, kafka/, postgres/, cache/.
: "${NG_RUN_DIR:=$NG_ROOT/.run}"
case "$NG_RUN_DIR" in /*) ;; *) NG_RUN_DIR="$PWD/$NG_RUN_DIR" ;; esac

# Kafka (KRaft).
: "${NG_KAFKA_PORT:=29092}"
: "${NG_KAFKA_CONTROLLER_PORT:=29093}"
: "${NG_KAFKA_BOOTSTRAP:=127.0.0.1:$NG_KAFKA_PORT}"

# PostgreSQL (our own cluster, not Debian's default one).
: "${NG_PG_HOST:=127.0.0.1}"
: "${NG_PG_PORT:=25432}"
: "${NG_PG_ADMIN_USER:=neuguong}"
: "${NG_PG_ADMIN_PASSWORD:=neuguong-dev}"
: "${NG_PG_DATABASES:=neuguong neuguong_test}"

# Services; each gets a Postgres role ng_<service> and a schema <service>.
: "${NG_SERVICES:=commitments honors inspections notifications projections}"
# The web console: served after the services (next port), no role, schema or topics of its own.
: "${NG_WEB_SERVICES=console}"  # empty: the services alone (the fault stacks)

export NG_ROOT NG_RUN_DIR \
  NG_KAFKA_PORT NG_KAFKA_CONTROLLER_PORT NG_KAFKA_BOOTSTRAP \
  NG_PG_HOST NG_PG_PORT NG_PG_ADMIN_USER NG_PG_ADMIN_PASSWORD NG_PG_DATABASES \
  NG_SERVICES NG_WEB_SERVICES
