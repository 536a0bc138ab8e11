#!/usr/bin/env bash
# postgres.sh up|down|restart|status: a private PostgreSQL 15 cluster (Debian's postgresql-15) on
# 127.0.0.1:15432, user postgres / password postgres, database `test`. TCP logins use SCRAM so a
# wrong password fails as in production; the local socket (in the run dir) trusts.
# As root the server runs as the postgres user (it refuses root); `up` installs the Debian
# package with apt-get when it is missing. A server already listening on the port (docker
# compose) is reused: `up` then only waits for it and makes sure the database exists.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=postgres
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() { echo "usage: $0 up|down|restart|status" >&2; exit 2; }

PG_BIN="$(pg_bin_dir)"

# fd 9 holds the script's lock (with_lock): the server must not inherit it.
as_pg() { if is_root; then runuser -u postgres -- "$@" 9>&-; else "$@" 9>&-; fi; }

ensure_installed() {
  [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && return 0
  is_root || die "PostgreSQL $PG_MAJOR server not installed: run apt-get install -y postgresql (or set PG_BIN to the dir of pg_ctl)"
  apt_install postgresql
  PG_BIN="$(pg_bin_dir)"
  [ -x "$PG_BIN/initdb" ] || die "apt-get installed postgresql but $PG_BIN/initdb is missing (not PostgreSQL $PG_MAJOR? set PG_MAJOR or PG_BIN)"
}

# Our cluster runs when its data dir has a live postmaster (pg_ctl checks the PID in postmaster.pid).
ours_running() { [ -s "$DATA/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

psql_tcp() {
  local psql="$PG_BIN/psql"
  [ -x "$psql" ] || psql="$(command -v psql || true)"
  [ -n "$psql" ] || return 127
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 "$psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -Atq "$@"
}

ensure_database() {
  local found
  found="$(psql_tcp -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" \
    || die "cannot log in to 127.0.0.1:$PG_PORT as $PG_USER with the test password"
  [ "$found" = 1 ] || psql_tcp -d postgres -c "CREATE DATABASE \"$PG_DB\"" \
    || die "cannot create database $PG_DB on 127.0.0.1:$PG_PORT"
}

start_ours() {
  mkdir -p "$PG_RUN"
  if is_root; then chown postgres:postgres "$PG_RUN"; fi
  chmod 700 "$PG_RUN"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb $DATA"
    local pwfile="$PG_RUN/pwfile"
    printf '%s\n' "$PG_PASSWORD" > "$pwfile"
    if is_root; then chown postgres:postgres "$pwfile"; fi
    as_pg "$PG_BIN/initdb" -D "$DATA" -U "$PG_USER" -E UTF8 --locale=C.UTF-8 --auth-local=trust \
      --auth-host=scram-sha-256 --pwfile="$pwfile" > "$PG_RUN/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; print_log_tail "$PG_RUN/initdb.log"; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT (data $DATA)"
  # -w waits until the server accepts connections; -t bounds the wait.
  if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 \
       -o "-p $PG_PORT -k $PG_RUN -c listen_addresses=127.0.0.1" start >/dev/null; then
    print_log_tail "$LOGFILE"
    die "PostgreSQL did not start (log: $LOGFILE)"
  fi
}

cmd_up() {
  with_lock postgres
  if [ -x "$PG_BIN/pg_ctl" ] && ours_running; then
    log "already running (data $DATA)"
  elif port_busy "$PG_PORT"; then
    log "reusing the server already listening on 127.0.0.1:$PG_PORT"
    if [ -x "$PG_BIN/pg_isready" ]; then
      wait_ready "PostgreSQL on 127.0.0.1:$PG_PORT" 60 /dev/null "" "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
    fi
  else
    ensure_installed
    PG_RUN="$(pg_run_dir)"; DATA="$PG_RUN/data"; LOGFILE="$PG_RUN/postgres.log"
    start_ours
  fi
  if [ -x "$PG_BIN/psql" ] || command -v psql >/dev/null; then
    ensure_database
  else
    log "no psql here: cannot check that database $PG_DB exists"
  fi
  log "ready: postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
}

cmd_down() {
  [ -x "$PG_BIN/pg_ctl" ] || { log "not installed, nothing to stop"; return 0; }
  with_lock postgres
  if ours_running; then
    log "stopping (data $DATA)"
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
  elif port_busy "$PG_PORT"; then
    log "127.0.0.1:$PG_PORT is served by a process this script did not start: left running"
  else
    log "not running"
  fi
}

cmd_status() {
  if [ -x "$PG_BIN/pg_ctl" ] && ours_running; then
    echo "postgres: running (ours, pid $(head -1 "$DATA/postmaster.pid"), data $DATA) on 127.0.0.1:$PG_PORT"
  elif port_busy "$PG_PORT"; then
    echo "postgres: reachable on 127.0.0.1:$PG_PORT (not started by this script)"
  else
    echo "postgres: stopped"; return 3
  fi
}

PG_RUN="$(pg_run_dir)"; DATA="$PG_RUN/data"; LOGFILE="$PG_RUN/postgres.log"
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  restart)
    with_lock postgres
    if [ ! -x "$PG_BIN/pg_ctl" ] || ! ours_running; then die "restart: no PostgreSQL started by this script is running (data $DATA)"; fi
    log "restarting (data $DATA)"
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -m fast -w -t 60 \
      -o "-p $PG_PORT -k $PG_RUN -c listen_addresses=127.0.0.1" restart >/dev/null \
      || { print_log_tail "$LOGFILE"; die "restart failed (log: $LOGFILE)"; }
    log "restarted"
    ;;
  status) cmd_status ;;
  *) usage ;;
esac
