#!/usr/bin/env bash
# clickhouse.sh up|down|restart|status: ClickHouse on 127.0.0.1 with its data in the run dir:
#   http://127.0.0.1:18123 (HTTP)   127.0.0.1:19000 (native)
# users `default` (no password) and ci / ci-pw. The server is Debian's clickhouse-server, 18.16.1
# on bookworm (the only one obtainable without Docker; docker-compose.yml runs a modern one):
# no query parameters, no async inserts, no DateTime64/Bool/Map. `up` installs the Debian
# packages with apt-get when root and they are missing (the package's own service is not used).
# A server already listening on 18123 that this script did not start is reused.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=clickhouse
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() { echo "usage: $0 up|down|restart|status" >&2; exit 2; }

CH_RUN="$RUN_ROOT/clickhouse"
PIDFILE="$CH_RUN/clickhouse.pid"
LOGFILE="$CH_RUN/stdout.log"
CONFIG="$CH_RUN/config.xml"
URL="http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"
START_TIMEOUT="${CLICKHOUSE_START_TIMEOUT:-60}"

# Recognised by its config file on the command line (see start_ours).
ours_running() { pid_alive "$PIDFILE" "--config-file=$CONFIG"; }

ping_ok() { [ "$(curl -fsS -m 5 "$URL/ping")" = "Ok." ]; }
# The password user must be able to run a query, not only the server to answer /ping.
user_can_query() { [ "$(curl -fsS -m 5 -u "$CLICKHOUSE_USER:$CLICKHOUSE_PASSWORD" --data-binary 'SELECT 1' "$URL/")" = 1 ]; }

ensure_installed() {
  CH_SERVER="${CLICKHOUSE_SERVER:-$(command -v clickhouse-server || true)}"
  [ -n "$CH_SERVER" ] && return 0
  is_root || die "clickhouse-server not found: run apt-get install -y clickhouse-server clickhouse-client (or set CLICKHOUSE_SERVER)"
  apt_install clickhouse-server clickhouse-client
  CH_SERVER="$(command -v clickhouse-server || true)"
  [ -n "$CH_SERVER" ] || die "apt-get installed clickhouse-server but there is no clickhouse-server command"
}

start_ours() {
  local port
  for port in "$CLICKHOUSE_HTTP_PORT" "$CLICKHOUSE_TCP_PORT"; do
    port_busy "$port" && die "127.0.0.1:$port is taken by another process (ClickHouse needs $CLICKHOUSE_HTTP_PORT and $CLICKHOUSE_TCP_PORT)"
  done
  need_command curl curl
  ensure_installed
  mkdir -p "$CH_RUN"/{data,tmp,user_files,format_schemas}
  render "$HERE/clickhouse/config.xml" "$CONFIG" CH_RUN CLICKHOUSE_HTTP_PORT CLICKHOUSE_TCP_PORT
  render "$HERE/clickhouse/users.xml" "$CH_RUN/users.xml" CLICKHOUSE_USER CLICKHOUSE_PASSWORD
  log "starting $CH_SERVER (log $CH_RUN/clickhouse-server.log)"
  # A failed start shows only this start's lines: the server appends to its logs.
  local f
  for f in "$LOGFILE" "$CH_RUN/clickhouse-server.log" "$CH_RUN/clickhouse-server.err.log"; do
    if [ -f "$f" ]; then mv -f "$f" "$f.previous"; fi
  done
  # Own session (setsid) so a Ctrl-C of `make` does not reach it; fd 9 (the lock) is not inherited.
  (cd "$CH_RUN" && exec setsid nohup "$CH_SERVER" "--config-file=$CONFIG" > "$LOGFILE" 2>&1 < /dev/null 9>&-) &
  echo $! > "$PIDFILE"
  ON_DIE=stop_started
  wait_ready "ClickHouse" "$START_TIMEOUT" "$CH_RUN/clickhouse-server.err.log" "$(cat "$PIDFILE")" ping_ok
  ours_running || die "the process in $PIDFILE is not the server (setsid forked?)"
  ON_DIE=
}

# Errors before the server reads its logger settings (a bad config) go to stdout.log.
stop_started() {
  print_log_tail "$LOGFILE"
  log "stopping the server that did not get ready"
  stop_pid "$PIDFILE" "--config-file=$CONFIG" 10
}

cmd_up() {
  with_lock clickhouse
  need_command curl curl
  if ours_running; then
    log "already running (pid $(cat "$PIDFILE"))"
  elif port_busy "$CLICKHOUSE_HTTP_PORT"; then
    log "reusing the server already listening on 127.0.0.1:$CLICKHOUSE_HTTP_PORT"
    wait_ready "ClickHouse at $URL" "$START_TIMEOUT" /dev/null "" ping_ok
  else
    start_ours
  fi
  user_can_query || die "ClickHouse at $URL answers, but user $CLICKHOUSE_USER cannot run SELECT 1 with the test password"
  local version
  version="$(curl -fsS -m 5 --data-binary 'SELECT version()' "$URL/")"
  log "ready: ClickHouse $version at $URL (users default and $CLICKHOUSE_USER/$CLICKHOUSE_PASSWORD; native port $CLICKHOUSE_TCP_PORT)"
}

cmd_down() {
  with_lock clickhouse
  if ours_running; then
    log "stopping pid $(cat "$PIDFILE")"
    stop_pid "$PIDFILE" "--config-file=$CONFIG" 20
    log "stopped"
  elif port_busy "$CLICKHOUSE_HTTP_PORT"; then
    rm -f "$PIDFILE"
    log "127.0.0.1:$CLICKHOUSE_HTTP_PORT is served by a process this script did not start: left running"
  else
    rm -f "$PIDFILE"
    log "not running"
  fi
}

cmd_status() {
  if ours_running; then
    echo "clickhouse: running (ours, pid $(cat "$PIDFILE")) at $URL"
  elif port_busy "$CLICKHOUSE_HTTP_PORT"; then
    echo "clickhouse: reachable on 127.0.0.1:$CLICKHOUSE_HTTP_PORT (not started by this script)"
  else
    echo "clickhouse: stopped"; return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  restart)
    ours_running || die "restart: no ClickHouse started by this script is running ($PIDFILE)"
    cmd_down
    cmd_up
    ;;
  status) cmd_status ;;
  *) usage ;;
esac
