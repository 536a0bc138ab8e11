#!/usr/bin/env bash
# apicurio.sh up|down|restart|status: Apicurio Registry (in-memory storage) as the Schema Registry
# of the tests, through its Confluent-compatible API:
#   http://127.0.0.1:18081/apis/ccompat/v7   (management/health: http://127.0.0.1:18091/health/ready)
# Downloaded from Maven Central (io.apicurio:apicurio-registry-app:<v>:tar.gz:all, 159 MB) and run
# on a Java 21+ JDK (Temurin 25 here; Debian's Java 17 cannot run it). The global compatibility
# level is set to BACKWARD, Confluent's default (Apicurio's own default is NONE). A registry
# already listening on 18081 that this script did not start is reused (and gets the same level).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=apicurio
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() { echo "usage: $0 up|down|restart|status" >&2; exit 2; }

APICURIO_VERSION="${APICURIO_VERSION:-3.3.3}"
APICURIO_HOME="$CACHE/apicurio-$APICURIO_VERSION"
APICURIO_RUN="$RUN_ROOT/apicurio"
PIDFILE="$APICURIO_RUN/apicurio.pid"
LOGFILE="$APICURIO_RUN/apicurio.log"
BASE="http://127.0.0.1:$APICURIO_PORT/apis/ccompat/v7"
COMPATIBILITY=BACKWARD
START_TIMEOUT="${APICURIO_START_TIMEOUT:-180}"

# Recognised by its http port option on the command line (see start_ours).
MARKER="-Dquarkus.http.port=$APICURIO_PORT"
ours_running() { pid_alive "$PIDFILE" "$MARKER"; }

# Unpacked into a temporary dir, then moved: an interrupted unpack never looks complete. The
# Quarkus fast-jar layout moves between releases (3.3.3 has quarkus-run.jar at the top).
ensure_unpacked() {
  if [ -f "$APICURIO_HOME/.complete" ]; then return 0; fi
  local archive
  archive="$(mvn_fetch "io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all")"
  log "unpacking $archive"
  rm -rf "$APICURIO_HOME.tmp" && mkdir -p "$APICURIO_HOME.tmp"
  tar -xzf "$archive" -C "$APICURIO_HOME.tmp" || die "cannot unpack $archive (delete it to download again)"
  [ -n "$(find "$APICURIO_HOME.tmp" -name quarkus-run.jar | head -1)" ] || die "no quarkus-run.jar in $archive"
  touch "$APICURIO_HOME.tmp/.complete"
  rm -rf "$APICURIO_HOME" && mv "$APICURIO_HOME.tmp" "$APICURIO_HOME"
}

start_ours() {
  local port java_home jar
  for port in "$APICURIO_PORT" "$APICURIO_MGMT_PORT"; do
    port_busy "$port" && die "127.0.0.1:$port is taken by another process (Apicurio needs $APICURIO_PORT and $APICURIO_MGMT_PORT)"
  done
  java_home="${APICURIO_JAVA_HOME:-$(find_jdk 21 25 || true)}"
  [ -n "$java_home" ] || die "Apicurio Registry needs a Java 21+ JDK and none was found in /usr/lib/jvm (Debian bookworm has only 17): install Temurin 21+ or set APICURIO_JAVA_HOME"
  need_command curl curl
  ensure_unpacked
  jar="$(find "$APICURIO_HOME" -name quarkus-run.jar | head -1)"
  mkdir -p "$APICURIO_RUN"
  log "starting Apicurio Registry $APICURIO_VERSION on $java_home (log $LOGFILE)"
  [ -f "$LOGFILE" ] && mv -f "$LOGFILE" "$LOGFILE.previous"
  # Quarkus opens its management interface on 0.0.0.0:9000 unless told otherwise. Own session
  # (setsid) so a Ctrl-C of `make` does not reach it; fd 9 (the lock) is not inherited.
  (cd "$APICURIO_RUN" && exec setsid nohup "$java_home/bin/java" -Xmx384m \
     -Dquarkus.http.host=127.0.0.1 "$MARKER" \
     -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$APICURIO_MGMT_PORT" \
     -jar "$jar" > "$LOGFILE" 2>&1 < /dev/null 9>&-) &
  echo $! > "$PIDFILE"
  ON_DIE=stop_started
  wait_ready "Apicurio Registry" "$START_TIMEOUT" "$LOGFILE" "$(cat "$PIDFILE")" curl -fsS -m 5 "$BASE/subjects"
  ours_running || die "the process in $PIDFILE is not the registry (setsid forked?)"
  ON_DIE=
}

stop_started() { log "stopping the registry that did not get ready"; stop_pid "$PIDFILE" "$MARKER" 10; }

cmd_up() {
  with_lock apicurio
  if ours_running; then
    log "already running (pid $(cat "$PIDFILE"))"
  elif port_busy "$APICURIO_PORT"; then
    log "reusing the registry already listening on 127.0.0.1:$APICURIO_PORT"
    need_command curl curl
    wait_ready "Schema Registry at $BASE" "$START_TIMEOUT" /dev/null "" curl -fsS -m 5 "$BASE/subjects"
  else
    start_ours
  fi
  curl -fsS -m 10 -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data "{\"compatibility\":\"$COMPATIBILITY\"}" "$BASE/config" >/dev/null \
    || die "cannot set the global compatibility level at $BASE/config"
  log "ready: $BASE (global compatibility $COMPATIBILITY)"
}

cmd_down() {
  with_lock apicurio
  if ours_running; then
    log "stopping pid $(cat "$PIDFILE")"
    stop_pid "$PIDFILE" "$MARKER" 20
    log "stopped"
  elif port_busy "$APICURIO_PORT"; then
    rm -f "$PIDFILE"
    log "127.0.0.1:$APICURIO_PORT is served by a process this script did not start: left running"
  else
    rm -f "$PIDFILE"
    log "not running"
  fi
}

cmd_status() {
  if ours_running; then
    echo "apicurio: running (ours, pid $(cat "$PIDFILE")) at $BASE"
  elif port_busy "$APICURIO_PORT"; then
    echo "apicurio: reachable on 127.0.0.1:$APICURIO_PORT (not started by this script)"
  else
    echo "apicurio: stopped"; return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  restart)
    ours_running || die "restart: no registry started by this script is running ($PIDFILE)"
    cmd_down
    cmd_up
    ;;
  status) cmd_status ;;
  *) usage ;;
esac
