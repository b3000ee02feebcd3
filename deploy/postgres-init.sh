#!/bin/sh
# First start of the postgres container of docker-compose.yml (mounted in
# /docker-entrypoint-initdb.d, run once, on an empty data volume): the
# owner and service roles and the database of deploy/postgres-roles.sql,
# with their passwords from the environment.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
  -v owner=segretariato_owner -v service=segretariato -v database=segretariato \
  -f /segretariato/postgres-roles.sql
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
  -v owner_password="$SEGRETARIATO_OWNER_PASSWORD" -v service_password="$SEGRETARIATO_PASSWORD" <<'SQL'
ALTER ROLE segretariato_owner PASSWORD :'owner_password';
ALTER ROLE segretariato PASSWORD :'service_password';
SQL
