#!/usr/bin/env bash
# keycloak.sh up|down|restart|status: Keycloak in dev mode (in-memory database) on
# http://127.0.0.1:18180 with the test realm `ci` (keycloak/ci-realm.json), imported again at
# every start:
#   issuer          http://127.0.0.1:18180/realms/ci   (it follows the request's host: use 127.0.0.1)
#   token endpoint  http://127.0.0.1:18180/realms/ci/protocol/openid-connect/token
#   user alice / alice-pw (role analyst)
#   ci-app      confidential (secret ci-app-secret): password grant + service account; its access
#               tokens carry the audience `trino` that Trino's JWT mode requires
#   ci-public   public: password grant
#   ci-service  confidential (secret ci-service-secret): client credentials only
# Tokens are signed with a fixed test RSA key (kid a98ftjoK…, in the realm file): Trino caches the
# realm's key set, and a key generated anew at each start would make it refuse every token after
# a Keycloak restart ("Unknown signing key ID"). Sessions, hence refresh tokens, do not survive
# a restart (in-memory database).
# Downloaded from Maven Central (org.keycloak:keycloak-quarkus-dist:<v>:tar.gz, 176 MB) and run on
# a Java 21+ JDK (Temurin 25 here). The first start after unpacking runs Quarkus' build step
# (~45 s); later starts take ~16 s. A Keycloak already listening on 18180 is reused when it
# serves the realm.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=keycloak
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() { echo "usage: $0 up|down|restart|status" >&2; exit 2; }

# 26.7.3 is the last release on Maven Central.
KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
KEYCLOAK_HOME="$CACHE/keycloak-$KEYCLOAK_VERSION"
KEYCLOAK_RUN="$RUN_ROOT/keycloak"
PIDFILE="$KEYCLOAK_RUN/keycloak.pid"
LOGFILE="$KEYCLOAK_RUN/keycloak.log"
ISSUER="http://127.0.0.1:$KEYCLOAK_PORT/realms/$KEYCLOAK_REALM"
START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-240}"

# Recognised by its http port option, which both kc.sh and the server JVM carry.
MARKER="--http-port=$KEYCLOAK_PORT"
ours_running() { pid_alive "$PIDFILE" "$MARKER"; }

realm_served() { curl -fsS -m 5 "$ISSUER/.well-known/openid-configuration"; }

# Unpacked into a temporary dir, then moved: an interrupted unpack never looks complete.
ensure_unpacked() {
  if [ -f "$KEYCLOAK_HOME/.complete" ]; then return 0; fi
  local archive
  archive="$(mvn_fetch "org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:tar.gz")"
  log "unpacking $archive"
  rm -rf "$KEYCLOAK_HOME.tmp" && mkdir -p "$KEYCLOAK_HOME.tmp"
  tar -xzf "$archive" -C "$KEYCLOAK_HOME.tmp" --strip-components=1 || die "cannot unpack $archive (delete it to download again)"
  [ -x "$KEYCLOAK_HOME.tmp/bin/kc.sh" ] || die "no bin/kc.sh in $archive"
  touch "$KEYCLOAK_HOME.tmp/.complete"
  rm -rf "$KEYCLOAK_HOME" && mv "$KEYCLOAK_HOME.tmp" "$KEYCLOAK_HOME"
}

start_ours() {
  local java_home
  port_busy "$KEYCLOAK_PORT" && die "127.0.0.1:$KEYCLOAK_PORT is taken by another process"
  java_home="${KEYCLOAK_JAVA_HOME:-$(find_jdk 21 25 || true)}"
  [ -n "$java_home" ] || die "Keycloak needs a Java 21+ JDK and none was found in /usr/lib/jvm (Debian bookworm has only 17): install Temurin 21+ or set KEYCLOAK_JAVA_HOME"
  need_command curl curl
  ensure_unpacked
  # --import-realm reads data/import/*.json of the install; with --db=dev-mem every start
  # imports it again, so the realm is always exactly the file's.
  mkdir -p "$KEYCLOAK_HOME/data/import" "$KEYCLOAK_RUN"
  cp "$HERE/keycloak/ci-realm.json" "$KEYCLOAK_HOME/data/import/ci-realm.json"
  log "starting Keycloak $KEYCLOAK_VERSION on $java_home (log $LOGFILE)"
  [ -f "$LOGFILE" ] && mv -f "$LOGFILE" "$LOGFILE.previous"
  # The heap is capped (the default is a share of the machine's RAM). kc.sh execs the server
  # JVM after the first-start build step, otherwise stays its parent and forwards SIGTERM: the
  # recorded PID stops it either way. Own session (setsid); fd 9 (the lock) is not inherited.
  # The bootstrap admin (master realm) lets tests add their own clients and users through the
  # admin REST API (packages/testkit/src/integration/keycloak-admin.ts); loopback only, test data.
  (cd "$KEYCLOAK_RUN" && JAVA_HOME="$java_home" JAVA_OPTS_KC_HEAP="-Xms64m -Xmx768m" \
     KC_BOOTSTRAP_ADMIN_USERNAME=dataflow-test-admin KC_BOOTSTRAP_ADMIN_PASSWORD=dataflow-test-admin-pw \
     exec setsid nohup "$KEYCLOAK_HOME/bin/kc.sh" start-dev --http-host=127.0.0.1 "$MARKER" \
     --db=dev-mem --import-realm > "$LOGFILE" 2>&1 < /dev/null 9>&-) &
  echo $! > "$PIDFILE"
  ON_DIE=stop_started
  wait_ready "Keycloak" "$START_TIMEOUT" "$LOGFILE" "$(cat "$PIDFILE")" realm_served
  ours_running || die "the process in $PIDFILE is not Keycloak (setsid forked?)"
  ON_DIE=
}

# stop_ours GRACE_S: SIGTERM kc.sh (it forwards the signal to the server JVM). kc.sh leads its own
# process group (setsid): when it had to be SIGKILLed, its JVM child is killed through that group
# so it cannot keep the port.
stop_ours() {
  local pid
  pid="$(cat "$PIDFILE")"
  stop_pid "$PIDFILE" "$MARKER" "$1"
  if kill -0 -- "-$pid" 2>/dev/null; then
    log "killing what is left of process group $pid"
    kill -9 -- "-$pid" 2>/dev/null || true
  fi
}

stop_started() { log "stopping the Keycloak that did not get ready"; stop_ours 10; }

cmd_up() {
  with_lock keycloak
  need_command curl curl
  if ours_running; then
    log "already running (pid $(cat "$PIDFILE"))"
  elif port_busy "$KEYCLOAK_PORT"; then
    log "reusing the Keycloak already listening on 127.0.0.1:$KEYCLOAK_PORT"
    wait_ready "realm $KEYCLOAK_REALM at $ISSUER (a Keycloak without the test realm?)" "$START_TIMEOUT" /dev/null "" realm_served
  else
    start_ours
  fi
  # The realm is served: the password grant of the test user must work too.
  curl -fsS -m 10 "$ISSUER/protocol/openid-connect/token" -d grant_type=password -d client_id=ci-app \
    -d client_secret=ci-app-secret -d username=alice -d password=alice-pw >/dev/null \
    || die "realm $KEYCLOAK_REALM at $ISSUER refuses the password grant of alice on ci-app (not the realm of keycloak/ci-realm.json?)"
  log "ready: issuer $ISSUER (user alice/alice-pw; clients ci-app, ci-public, ci-service)"
}

cmd_down() {
  with_lock keycloak
  if ours_running; then
    log "stopping pid $(cat "$PIDFILE")"
    stop_ours 20
    log "stopped"
  elif port_busy "$KEYCLOAK_PORT"; then
    rm -f "$PIDFILE"
    log "127.0.0.1:$KEYCLOAK_PORT is served by a process this script did not start: left running"
  else
    rm -f "$PIDFILE"
    log "not running"
  fi
}

cmd_status() {
  if ours_running; then
    echo "keycloak: running (ours, pid $(cat "$PIDFILE")) with issuer $ISSUER"
  elif port_busy "$KEYCLOAK_PORT"; then
    echo "keycloak: reachable on 127.0.0.1:$KEYCLOAK_PORT (not started by this script)"
  else
    echo "keycloak: stopped"; return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  restart)
    ours_running || die "restart: no Keycloak started by this script is running ($PIDFILE)"
    cmd_down
    cmd_up
    ;;
  status) cmd_status ;;
  *) usage ;;
esac
