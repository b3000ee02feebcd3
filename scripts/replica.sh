#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL, for the tests of
# ANALYTICS_DATABASE_URL and for trying it by hand:
#
#   scripts/replica.sh start    base backup of the primary (pg_basebackup -R),
#                               started as a hot standby; prints its URL
#   scripts/replica.sh stop     stops it and deletes its files
#   scripts/replica.sh status   running or not, and how far behind the primary
#   scripts/replica.sh url      the URL of its `test` database
#
# The primary is PRIMARY_HOST:PRIMARY_PORT (127.0.0.1:5432, user postgres,
# trust authentication); the replica is a second PostgreSQL cluster in
# REPLICA_DIR (/tmp/segretariato-replica) on 127.0.0.1:REPLICA_PORT (5433),
# with the same trust rules, run as the postgres OS user. The primary is
# not reconfigured: it needs a replication entry in its pg_hba.conf
# (`host replication postgres 127.0.0.1/32 trust`) and wal_level replica or
# logical (the default), which `start` checks. No replication slot is kept,
# so a replica left behind never holds WAL on the primary.
#
# Replication is asynchronous: a commit on the primary reaches the replica
# when the replica has replayed it (README, "Several instances and a read
# replica").
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/tmp/segretariato-replica}
MARK=segretariato-replica # a file in REPLICA_DIR: the script deletes only a directory it made

bin=$(pg_config --bindir 2>/dev/null || true)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
fi
[ -x "$bin/pg_ctl" ] || { echo "replica: PostgreSQL's pg_ctl not found" >&2; exit 1; }

# as_postgres runs a command as the postgres OS user (the cluster's owner).
as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    "$@"
  else
    runuser -u postgres -- "$@"
  fi
}

primary() { psql -X -q -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -c "$1"; }
replica() { psql -X -q -At -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -c "$1"; }
running() { [ -f "$REPLICA_DIR/PG_VERSION" ] && as_postgres "$bin/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; }
url() { echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/test?sslmode=disable"; }

remove_dir() {
  if [ -d "$REPLICA_DIR" ]; then
    if [ ! -f "$REPLICA_DIR/$MARK" ] && [ -n "$(ls -A "$REPLICA_DIR")" ]; then
      echo "replica: $REPLICA_DIR holds files this script did not make; not touching it" >&2
      exit 1
    fi
    rm -rf "$REPLICA_DIR"
  fi
}

start() {
  if running; then
    echo "replica: already running on port $REPLICA_PORT"
    url
    return
  fi
  case "$(primary 'SHOW wal_level')" in
    replica | logical) ;;
    *) echo "replica: the primary's wal_level is not replica or logical; no replica can follow it" >&2; exit 1 ;;
  esac
  if ! psql -X -q -At "host=$PRIMARY_HOST port=$PRIMARY_PORT user=postgres replication=true dbname=postgres" -c IDENTIFY_SYSTEM >/dev/null 2>&1; then
    echo "replica: the primary refuses replication connections; add to its pg_hba.conf" >&2
    echo "    host replication postgres 127.0.0.1/32 trust" >&2
    echo "and reload it (SELECT pg_reload_conf(); no restart needed)" >&2
    exit 1
  fi
  if pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT"; then
    echo "replica: port $REPLICA_PORT is taken by another server; set REPLICA_PORT" >&2
    exit 1
  fi
  remove_dir
  mkdir -p "$REPLICA_DIR"
  chown postgres:postgres "$REPLICA_DIR" 2>/dev/null || true
  chmod 700 "$REPLICA_DIR"
  # -R writes standby.signal and primary_conninfo; -X stream copies the WAL
  # of the backup's own time over a second connection.
  as_postgres "$bin/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" \
    -R -X stream --checkpoint=fast --no-password
  # The Debian primary keeps its configuration outside its data directory,
  # so the copy has none: the replica gets its own, with the settings a
  # standby may not have lower than its primary's.
  local floors
  floors=$(primary "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings WHERE name IN
    ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')")
  as_postgres tee "$REPLICA_DIR/postgresql.conf" >/dev/null <<EOF
$floors
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
hot_standby = on
# The primary keeps the rows the replica's running queries still read, so
# a long analytics answer is not cancelled by the replay of a VACUUM.
hot_standby_feedback = on
shared_buffers = 32MB
logging_collector = off
EOF
  as_postgres tee "$REPLICA_DIR/pg_hba.conf" >/dev/null <<'EOF'
local all all trust
host all all 127.0.0.1/32 trust
EOF
  as_postgres touch "$REPLICA_DIR/pg_ident.conf" "$REPLICA_DIR/$MARK"
  rm -f "$REPLICA_DIR/postmaster.pid" "$REPLICA_DIR/postmaster.opts"
  if ! as_postgres "$bin/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/server.log" -w -t 60 start >/dev/null; then
    echo "replica: did not start; $REPLICA_DIR/server.log says:" >&2
    tail -n 20 "$REPLICA_DIR/server.log" >&2 || true
    exit 1
  fi
  for _ in $(seq 1 60); do
    if [ "$(replica 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] &&
      [ "$(replica "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null)" = streaming ]; then
      echo "replica: streaming from $PRIMARY_HOST:$PRIMARY_PORT, on port $REPLICA_PORT"
      url
      return
    fi
    sleep 1
  done
  echo "replica: started but not streaming after 60 s; see $REPLICA_DIR/server.log" >&2
  tail -n 20 "$REPLICA_DIR/server.log" >&2 || true
  exit 1
}

stop() {
  if running; then
    as_postgres "$bin/pg_ctl" -D "$REPLICA_DIR" -m fast -w -t 60 stop >/dev/null
  fi
  remove_dir
  echo "replica: stopped"
}

status() {
  if ! running; then
    echo "replica: not running"
    return 1
  fi
  echo "replica: running on port $REPLICA_PORT, in recovery: $(replica 'SELECT pg_is_in_recovery()')"
  echo "replica: bytes of WAL still to replay: $(replica "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())")"
  primary "SELECT 'primary: standby ' || client_addr || ' ' || state || ', replay_lag ' || COALESCE(replay_lag::text, '0') FROM pg_stat_replication"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) url ;;
  *)
    echo "usage: $0 start|stop|status|url" >&2
    exit 2
    ;;
esac
