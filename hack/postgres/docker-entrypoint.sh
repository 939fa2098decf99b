#!/bin/bash
# The entrypoint of the local PostgreSQL stand-in (hack/postgres/Dockerfile): what the
# official image's docker-entrypoint.sh does for the chart's StatefulSet, run as the postgres
# user (uid 999) with a read-only root file system. On an empty $PGDATA: initdb with
# $POSTGRES_USER as the superuser and $POSTGRES_PASSWORD as its password, password logins
# (scram-sha-256) from every address, $POSTGRES_DB created; then `postgres` in the foreground.
set -euo pipefail

log() { echo "docker-entrypoint: $*" >&2; }

if [ "${1:-}" != postgres ]; then
  exec "$@"
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${PGDATA:?PGDATA must name the data folder}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    log "error: the database is uninitialized and POSTGRES_PASSWORD is empty"
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  log "initdb in $PGDATA for $POSTGRES_USER"
  # The password reaches initdb through a pipe, never a file or the command line.
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 >&2
  printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    # A server on the socket only, so no client connects before the database exists.
    pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait start >&2
    psql --no-psqlrc --set=ON_ERROR_STOP=1 --username="$POSTGRES_USER" --dbname=postgres \
      --set=db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >&2
    pg_ctl --pgdata="$PGDATA" --mode=fast --wait stop >&2
  fi
  log "initialized"
fi

exec "$@"
