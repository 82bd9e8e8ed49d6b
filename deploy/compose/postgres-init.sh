#!/usr/bin/env bash
# Provision the Nêu Gương databases, roles and schemas — the same as `provision` in
# deploy/local/postgres.sh — against a running server. Idempotent: run it on every start.
#
#   databases  $NG_PG_DATABASES (default "neuguong neuguong_test"), owned by the admin user
#   roles      one LOGIN role ng_<service> per service in $NG_SERVICES, password from
#              $NG_PG_PASSWORD_<SERVICE> (required; e.g. NG_PG_PASSWORD_HONORS), search_path = <service>
#   schemas    <service> in every database, owned by ng_<service>
#   PUBLIC     no rights on the databases, on schema public or on any service schema
#
# Connection: the libpq variables PGHOST, PGPORT, PGUSER (the admin, a superuser), PGPASSWORD.
# Used by deploy/compose (service postgres-init) and, as a copy, by deploy/k8s (Job postgres-init):
# deploy/compose/postgres-init.sh and deploy/k8s/postgres-init.sh must stay identical (kustomize
# reads files only from inside its own folder).
set -euo pipefail

: "${NG_PG_DATABASES:=neuguong neuguong_test}"
: "${NG_SERVICES:=commitments honors inspections notifications projections}"
: "${PGUSER:?PGUSER (the admin user) is required}"

say() { echo "postgres-init: $*"; }
die() { echo "postgres-init: $*" >&2; exit 1; }

check_name() {
  [[ "$1" =~ ^[a-z_][a-z0-9_]*$ ]] || die "invalid name '$1' (lowercase letters, digits, _)"
}

# Quote a value for a psql \set single-quoted argument.
psql_quote() { local v="${1//\\/\\\\}"; v="${v//\'/\'\'}"; printf "'%s'" "$v"; }

service_password() {
  local var
  var="NG_PG_PASSWORD_$(echo "$1" | tr '[:lower:]-' '[:upper:]_')"
  [ -n "${!var:-}" ] || die "$var is not set (password of role ng_$1)"
  printf '%s' "${!var}"
}

admin_psql() {
  local db="$1"; shift
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# Wait for the server (compose also waits on its healthcheck; this covers other callers).
for _ in $(seq 1 60); do
  pg_isready -q -d postgres && break
  sleep 1
done
pg_isready -q -d postgres || die "server at ${PGHOST:-local socket}:${PGPORT:-5432} is not ready"

check_name "$PGUSER"
for db in $NG_PG_DATABASES; do check_name "$db"; done
for s in $NG_SERVICES; do check_name "$s"; done

# Databases and roles (cluster-wide), from the maintenance database.
sql=""
for db in $NG_PG_DATABASES; do
  sql+="SELECT 'CREATE DATABASE $db OWNER $PGUSER ENCODING ''UTF8'' TEMPLATE template0'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$db') \\gexec
"
done
for s in $NG_SERVICES; do
  pw="$(service_password "$s")"  # a plain assignment, so a missing password stops the script
  sql+="\\set pw $(psql_quote "$pw")
SELECT 'CREATE ROLE ng_$s LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ng_$s') \\gexec
ALTER ROLE ng_$s WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'pw';
ALTER ROLE ng_$s SET search_path = $s;
"
done
# Service roles connect only to the project databases.
sql+="REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
"
admin_psql postgres <<<"$sql" || die "provisioning roles/databases failed"

# Per database: lock down PUBLIC, one schema per service owned by its role.
for db in $NG_PG_DATABASES; do
  sql="ALTER DATABASE $db OWNER TO $PGUSER;
REVOKE ALL ON DATABASE $db FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
"
  for s in $NG_SERVICES; do
    sql+="GRANT CONNECT, TEMPORARY ON DATABASE $db TO ng_$s;
REVOKE ALL ON SCHEMA public FROM ng_$s;
CREATE SCHEMA IF NOT EXISTS $s AUTHORIZATION ng_$s;
ALTER SCHEMA $s OWNER TO ng_$s;
REVOKE ALL ON SCHEMA $s FROM PUBLIC;
"
    # Where a rebuilt read model is prepared, and where the replaced one goes at the swap.
    for spare in rebuild retired; do
      sql+="CREATE SCHEMA IF NOT EXISTS ${s}_$spare AUTHORIZATION ng_$s;
ALTER SCHEMA ${s}_$spare OWNER TO ng_$s;
REVOKE ALL ON SCHEMA ${s}_$spare FROM PUBLIC;
"
    done
  done
  admin_psql "$db" <<<"$sql" || die "provisioning database $db failed"
done
say "provisioned databases [$NG_PG_DATABASES], roles ng_{${NG_SERVICES// /,}} with their own schemas"
