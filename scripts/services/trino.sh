#!/usr/bin/env bash
# trino.sh up|down|restart|status|certs: a one-node Trino (coordinator and worker in one JVM) on
# 127.0.0.1 with the catalogs memory, tpch and pg (the project's PostgreSQL, 127.0.0.1:15432/test):
#   http://127.0.0.1:18080    no authentication: send X-Trino-User
#   https://127.0.0.1:18443   JWT bearer tokens of the Keycloak realm ci (audience trino, user =
#                             preferred_username); certificate in $CACHE/run/trino/tls/trino.pem
# TRINO_JWT=0 leaves out the HTTPS listener and JWT. `certs` makes only the TLS material
# (docker-compose.yml mounts it). Ready means `SELECT 1` FINISHED: /v1/info saying the node has
# started is not enough (queries fail for a few seconds more with "No nodes available").
# Downloaded from Maven Central (io.trino:trino-server:<v>:tar.gz, 821 MB; only the full tarball
# has the PostgreSQL connector), unpacked and trimmed to the plugins we use, and run on a Java 24+
# JDK (Temurin 25 here; Trino exits at once on Java 17). A Trino already listening on 18080 is
# reused. Start Keycloak first: on two cores the two JVM starts slow each other down.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=trino
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() { echo "usage: $0 up|down|restart|status|certs" >&2; exit 2; }

# 476 is the last release on Maven Central.
TRINO_VERSION="${TRINO_VERSION:-476}"
TRINO_HOME="$CACHE/trino-server-$TRINO_VERSION"
# The PostgreSQL connector needs geospatial too (else "Unknown type: Geometry" when the catalog loads).
TRINO_PLUGINS="memory tpch postgresql geospatial"
TRINO_RUN="$RUN_ROOT/trino"
TRINO_TLS="$TRINO_RUN/tls"
TRINO_HEAP="${TRINO_HEAP:-1536M}"
TRINO_JWT="${TRINO_JWT:-1}"
ETC="$TRINO_RUN/etc"
PIDFILE="$TRINO_RUN/trino.pid"
LOGFILE="$TRINO_RUN/trino.log"
URL="http://127.0.0.1:$TRINO_PORT"
HTTPS_URL="https://127.0.0.1:$TRINO_HTTPS_PORT"
# The issuer of Keycloak's tokens follows the host a client used: the tests use 127.0.0.1.
TRINO_JWT_ISSUER="http://127.0.0.1:$KEYCLOAK_PORT/realms/$KEYCLOAK_REALM"
START_TIMEOUT="${TRINO_START_TIMEOUT:-240}"

# The JVM's command line names the rendered config (-Dconfig=<etc>/config.properties).
MARKER="$ETC/config.properties"
ours_running() { pid_alive "$PIDFILE" "$MARKER"; }

# select1: SELECT 1 through the client protocol, following nextUri; true once it FINISHED.
select1() {
  local r next
  r="$(curl -fsS -m 10 -X POST -H 'X-Trino-User: ci' --data-binary 'SELECT 1' "$URL/v1/statement")" || return 1
  while next="$(sed -n 's/.*"nextUri":"\([^"]*\)".*/\1/p' <<<"$r")"; [ -n "$next" ]; do
    r="$(curl -fsS -m 10 -H 'X-Trino-User: ci' "$next")" || return 1
  done
  grep -q '"state":"FINISHED"' <<<"$r"
}

# The HTTPS listener answers with our certificate; without a token it must ask for one (401).
https_needs_token() {
  [ "$(curl -sS -m 5 --cacert "$TRINO_TLS/trino.pem" -o /dev/null -w '%{http_code}' \
        -X POST --data-binary 'SELECT 1' "$HTTPS_URL/v1/statement")" = 401 ]
}

# Unpack the whole tarball (5,713 entries are hard links across plugin dirs: extracting single
# paths fails), then delete the unused plugins (896 MB -> 123 MB). In a temporary dir, then moved.
ensure_unpacked() {
  if [ -f "$TRINO_HOME/.complete" ]; then return 0; fi
  local archive d
  archive="$(mvn_fetch "io.trino:trino-server:$TRINO_VERSION:tar.gz")"
  log "unpacking $archive"
  rm -rf "$TRINO_HOME.tmp" && mkdir -p "$TRINO_HOME.tmp"
  tar -xzf "$archive" -C "$TRINO_HOME.tmp" --strip-components=1 || die "cannot unpack $archive (delete it to download again)"
  [ -x "$TRINO_HOME.tmp/bin/launcher" ] || die "no bin/launcher in $archive"
  for d in "$TRINO_HOME.tmp"/plugin/*/; do
    case " $TRINO_PLUGINS " in *" $(basename "$d") "*) ;; *) rm -rf "$d" ;; esac
  done
  touch "$TRINO_HOME.tmp/.complete"
  rm -rf "$TRINO_HOME" && mv "$TRINO_HOME.tmp" "$TRINO_HOME"
}

# Self-signed certificate for 127.0.0.1/localhost in a PKCS12 keystore, plus its PEM for clients
# (they trust it instead of turning verification off). Made in a temporary dir, then moved.
ensure_certs() {
  [ -f "$TRINO_TLS/trino.p12" ] && [ -f "$TRINO_TLS/trino.pem" ] && return 0
  local java_home tmp="$TRINO_TLS.tmp"
  java_home="${TRINO_JAVA_HOME:-$(find_jdk 17 25 || true)}"
  [ -n "$java_home" ] || die "keytool needs a JDK and none was found in /usr/lib/jvm"
  log "making a self-signed certificate in $TRINO_TLS"
  rm -rf "$tmp" && mkdir -p "$tmp"
  {
    "$java_home/bin/keytool" -genkeypair -alias trino -keyalg RSA -keysize 2048 -validity 3650 \
      -dname CN=localhost -ext SAN=ip:127.0.0.1,dns:localhost -storetype PKCS12 \
      -keystore "$tmp/trino.p12" -storepass changeit -keypass changeit &&
    "$java_home/bin/keytool" -exportcert -rfc -alias trino -keystore "$tmp/trino.p12" \
      -storepass changeit -file "$tmp/trino.pem"
  } > "$TRINO_RUN/keytool.log" 2>&1 || { print_log_tail "$TRINO_RUN/keytool.log"; die "keytool failed to make the certificate"; }
  # Test-only material; readable by the unprivileged server of docker-compose.yml.
  chmod 644 "$tmp"/*
  rm -rf "$TRINO_TLS" && mv "$tmp" "$TRINO_TLS"
}

# Configuration rendered into the run dir at every start; the install stays untouched.
render_config() {
  # shellcheck disable=SC2034  # read by render through ${!name}
  local PG_HOST=127.0.0.1 TRINO_SHARED_SECRET TRINO_JWKS_URL="$TRINO_JWT_ISSUER/protocol/openid-connect/certs"
  rm -rf "$ETC" && mkdir -p "$ETC/catalog" "$TRINO_RUN/data"
  render "$HERE/trino/etc/node.properties" "$ETC/node.properties" TRINO_RUN
  render "$HERE/trino/etc/config.properties" "$ETC/config.properties" TRINO_PORT
  render "$HERE/trino/etc/jvm.config" "$ETC/jvm.config" TRINO_HEAP
  cp "$HERE/trino/etc/catalog/memory.properties" "$HERE/trino/etc/catalog/tpch.properties" "$ETC/catalog/"
  render "$HERE/trino/etc/catalog/pg.properties" "$ETC/catalog/pg.properties" PG_HOST PG_PORT PG_DB PG_USER PG_PASSWORD
  if [ "$TRINO_JWT" != 0 ]; then
    # shellcheck disable=SC2034  # read by render through ${!name}
    TRINO_SHARED_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    render "$HERE/trino/etc/config-jwt.properties" "$ETC/config-jwt.properties" \
      TRINO_HTTPS_PORT TRINO_TLS TRINO_SHARED_SECRET TRINO_JWKS_URL TRINO_JWT_ISSUER
    cat "$ETC/config-jwt.properties" >> "$ETC/config.properties" && rm "$ETC/config-jwt.properties"
  fi
}

start_ours() {
  local port java_home
  for port in "$TRINO_PORT" "$TRINO_HTTPS_PORT"; do
    port_busy "$port" && die "127.0.0.1:$port is taken by another process (Trino needs $TRINO_PORT and $TRINO_HTTPS_PORT)"
  done
  java_home="${TRINO_JAVA_HOME:-$(find_jdk 24 25 || true)}"
  [ -n "$java_home" ] || die "Trino $TRINO_VERSION needs a Java 24+ JDK and none was found in /usr/lib/jvm (Debian bookworm has only 17): install Temurin 25 or set TRINO_JAVA_HOME"
  [ "$(ulimit -n)" -ge 4096 ] || ulimit -n 8192 2>/dev/null || die "Trino needs at least 4096 open files (ulimit -n is $(ulimit -n))"
  need_command curl curl
  ensure_unpacked
  mkdir -p "$TRINO_RUN"
  [ "$TRINO_JWT" = 0 ] || ensure_certs
  render_config
  log "starting Trino $TRINO_VERSION on $java_home (log $LOGFILE)"
  [ -f "$LOGFILE" ] && mv -f "$LOGFILE" "$LOGFILE.previous"
  # The launcher honours JAVA_HOME and execs the JVM, so the recorded PID is Java's. Own session
  # (setsid); fd 9 (the lock) is not inherited.
  (cd "$TRINO_RUN" && JAVA_HOME="$java_home" exec setsid nohup "$TRINO_HOME/bin/launcher" -etc-dir "$ETC" run \
     > "$LOGFILE" 2>&1 < /dev/null 9>&-) &
  echo $! > "$PIDFILE"
  ON_DIE=stop_started
  wait_ready "Trino (SELECT 1)" "$START_TIMEOUT" "$LOGFILE" "$(cat "$PIDFILE")" select1
  ours_running || die "the process in $PIDFILE is not Trino (setsid forked?)"
  ON_DIE=
}

stop_started() { log "stopping the Trino that did not get ready"; stop_pid "$PIDFILE" "$MARKER" 10; }

cmd_up() {
  with_lock trino
  need_command curl curl
  if ours_running; then
    log "already running (pid $(cat "$PIDFILE"))"
  elif port_busy "$TRINO_PORT"; then
    log "reusing the Trino already listening on 127.0.0.1:$TRINO_PORT"
    wait_ready "Trino at $URL (SELECT 1)" "$START_TIMEOUT" /dev/null "" select1
  else
    start_ours
  fi
  if [ "$TRINO_JWT" = 0 ]; then
    log "ready: $URL (X-Trino-User; no JWT listener: TRINO_JWT=0)"
  elif [ -f "$TRINO_TLS/trino.pem" ] && https_needs_token; then
    log "ready: $URL (X-Trino-User) and $HTTPS_URL (Keycloak JWT, CA $TRINO_TLS/trino.pem)"
  else
    log "ready: $URL (X-Trino-User); warning: $HTTPS_URL does not answer 401 to a request without a token with $TRINO_TLS/trino.pem as CA (a Trino not started by this script?)"
  fi
}

cmd_down() {
  with_lock trino
  if ours_running; then
    log "stopping pid $(cat "$PIDFILE")"
    stop_pid "$PIDFILE" "$MARKER" 30
    log "stopped"
  elif port_busy "$TRINO_PORT"; then
    rm -f "$PIDFILE"
    log "127.0.0.1:$TRINO_PORT is served by a process this script did not start: left running"
  else
    rm -f "$PIDFILE"
    log "not running"
  fi
}

cmd_status() {
  if ours_running; then
    echo "trino: running (ours, pid $(cat "$PIDFILE")) at $URL$([ "$TRINO_JWT" = 0 ] || echo " and $HTTPS_URL (JWT)")"
  elif port_busy "$TRINO_PORT"; then
    echo "trino: reachable on 127.0.0.1:$TRINO_PORT (not started by this script)"
  else
    echo "trino: stopped"; return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  restart)
    ours_running || die "restart: no Trino started by this script is running ($PIDFILE)"
    cmd_down
    cmd_up
    ;;
  status) cmd_status ;;
  certs) mkdir -p "$TRINO_RUN"; ensure_certs; log "TLS material in $TRINO_TLS" ;;
  *) usage ;;
esac
