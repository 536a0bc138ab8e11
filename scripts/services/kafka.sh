#!/usr/bin/env bash
# kafka.sh up|down|restart|status|certs: a single-node Kafka broker (KRaft) from Maven Central
# jars, on Java 17+, with these listeners on 127.0.0.1:
#   19092 PLAINTEXT   19093 controller   19094 SASL_PLAINTEXT   19095 SSL   19096 SASL_SSL
# SASL mechanisms PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, user alice / alice-secret for all three
# (SCRAM users exist only because they are created when the storage is formatted).
# TLS material in $CACHE/run/kafka/tls/: ca.pem (trust this), broker.p12, and client.pem /
# client.key signed by the same CA (the SSL listener requests, but does not require, a client
# certificate). `certs` makes only that material (docker-compose.yml mounts it).
# A broker already listening on 19092 that this script did not start is reused.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=kafka
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() { echo "usage: $0 up|down|restart|status|certs" >&2; exit 2; }

KAFKA_VERSION="${KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml")}"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
KAFKA_RUN="$RUN_ROOT/kafka"
TLS_DIR="$KAFKA_RUN/tls"
DATA_DIR="$KAFKA_RUN/data"
PIDFILE="$KAFKA_RUN/kafka.pid"
LOGFILE="$KAFKA_RUN/kafka.log"
CONFIG="$KAFKA_RUN/server.properties"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
ALL_PORTS=("$KAFKA_PORT_PLAINTEXT" "$KAFKA_PORT_CONTROLLER" "$KAFKA_PORT_SASL" "$KAFKA_PORT_SSL" "$KAFKA_PORT_SASL_SSL")

ours_running() { pid_alive "$PIDFILE" "$CONFIG"; }

# 43 MB, 45 jars into an empty Maven repository (~11 s). Copied to a temporary dir first so an
# interrupted download never looks complete.
ensure_libs() {
  [ -f "$KAFKA_LIBS/.complete" ] && return 0
  log "fetching the Kafka $KAFKA_VERSION broker jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS.tmp"
  mvn_run "the Kafka $KAFKA_VERSION broker (org.apache.kafka:kafka_2.13:$KAFKA_VERSION)" "$CACHE/kafka-$KAFKA_VERSION/mvn.log" \
    -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" "$DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp"
  ls "$KAFKA_LIBS.tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar in $KAFKA_LIBS.tmp after the download"
  ls "$KAFKA_LIBS.tmp"/log4j-slf4j-impl-*.jar >/dev/null 2>&1 || die "no SLF4J binding (log4j-slf4j-impl) in $KAFKA_LIBS.tmp"
  touch "$KAFKA_LIBS.tmp/.complete"
  rm -rf "$KAFKA_LIBS" && mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
}

# Test CA, broker certificate (SAN localhost + 127.0.0.1) in a PKCS12 keystore, and a client
# certificate for mTLS; about 0.5 s. Made in a temporary dir, then moved into place.
ensure_certs() {
  [ -f "$TLS_DIR/broker.p12" ] && [ -f "$TLS_DIR/client.pem" ] && return 0
  need_command openssl openssl
  log "making a test CA and certificates in $TLS_DIR"
  local tmp="$TLS_DIR.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  (
    cd "$tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=dataflow-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem -days 3650 -extfile broker.ext
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker -out broker.p12 -passout pass:changeit
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=$KAFKA_USER"
    printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 3650 -extfile client.ext
    rm -f ./*.csr ./*.ext ./*.srl
    # Test-only material; readable by the unprivileged broker of docker-compose.yml.
    chmod 644 ./*
  ) > "$KAFKA_RUN/openssl.log" 2>&1 || { print_log_tail "$KAFKA_RUN/openssl.log"; die "openssl failed to make the test certificates"; }
  rm -rf "$TLS_DIR" && mv "$tmp" "$TLS_DIR"
}

# A cluster id as `kafka-storage random-uuid` makes it: 16 random bytes, URL-safe base64 without
# padding (22 characters), not starting with '-'. Saves a 1.5 s JVM start.
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]] && { echo "$id"; return; }
  done
}

start_ours() {
  local port java_home
  for port in "${ALL_PORTS[@]}"; do
    port_busy "$port" && die "127.0.0.1:$port is taken by another process (Kafka needs ${ALL_PORTS[*]})"
  done
  java_home="${KAFKA_JAVA_HOME:-$(find_jdk 17 17 || true)}"
  if [ -z "$java_home" ]; then
    is_root || die "no Java 17+ JDK found: run apt-get install -y openjdk-17-jre-headless (or set KAFKA_JAVA_HOME)"
    apt_install openjdk-17-jre-headless
    java_home="$(find_jdk 17 17 || true)"
    [ -n "$java_home" ] || die "still no Java 17+ after installing openjdk-17-jre-headless"
  fi
  ensure_libs
  mkdir -p "$KAFKA_RUN" "$DATA_DIR"
  ensure_certs

  # shellcheck disable=SC2034  # read by render through ${!name}
  local BIND_HOST=127.0.0.1 PORT_PLAINTEXT=$KAFKA_PORT_PLAINTEXT PORT_CONTROLLER=$KAFKA_PORT_CONTROLLER \
    PORT_SASL=$KAFKA_PORT_SASL PORT_SSL=$KAFKA_PORT_SSL PORT_SASL_SSL=$KAFKA_PORT_SASL_SSL
  render "$HERE/kafka/server.properties" "$CONFIG" BIND_HOST DATA_DIR TLS_DIR KAFKA_USER KAFKA_PASSWORD \
    PORT_PLAINTEXT PORT_CONTROLLER PORT_SASL PORT_SSL PORT_SASL_SSL
  cp "$HERE/kafka/log4j2.properties" "$KAFKA_RUN/log4j2.properties"
  local -a java=("$java_home/bin/java" -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$KAFKA_RUN/log4j2.properties" -cp "$KAFKA_LIBS/*")

  if [ ! -f "$DATA_DIR/meta.properties" ]; then
    log "formatting the KRaft storage with SCRAM users for $KAFKA_USER"
    # -XX:TieredStopAtLevel=1: the format tool runs for two seconds; the C2 compiler only costs.
    "${java[@]}" -XX:TieredStopAtLevel=1 kafka.tools.StorageTool format -t "$(new_cluster_id)" -c "$CONFIG" \
      --ignore-formatted \
      --add-scram "SCRAM-SHA-256=[name=$KAFKA_USER,password=$KAFKA_PASSWORD]" \
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_USER,password=$KAFKA_PASSWORD]" > "$KAFKA_RUN/format.log" 2>&1 \
      || { print_log_tail "$KAFKA_RUN/format.log"; die "formatting the Kafka storage failed"; }
  fi

  log "starting Kafka $KAFKA_VERSION (log $LOGFILE)"
  [ -f "$LOGFILE" ] && mv -f "$LOGFILE" "$LOGFILE.previous"
  # Own session (setsid): a Ctrl-C in the terminal that ran `make` does not reach the broker.
  # fd 9 is the script's lock and must not be inherited.
  setsid nohup "${java[@]}" kafka.Kafka "$CONFIG" > "$LOGFILE" 2>&1 < /dev/null 9>&- &
  echo $! > "$PIDFILE"
  ON_DIE=stop_started
  wait_ready "Kafka" "$START_TIMEOUT" "$LOGFILE" "$(cat "$PIDFILE")" grep -q 'Kafka Server started' "$LOGFILE"
  ours_running || die "the process in $PIDFILE is not the broker (setsid forked?)"
  ON_DIE=
}

stop_started() { log "stopping the broker that did not get ready"; stop_pid "$PIDFILE" "$CONFIG" 10; }

cmd_up() {
  with_lock kafka
  if ours_running; then
    log "already running (pid $(cat "$PIDFILE"))"
  elif port_busy "$KAFKA_PORT_PLAINTEXT"; then
    log "reusing the broker already listening on 127.0.0.1:$KAFKA_PORT_PLAINTEXT"
    [ -f "$TLS_DIR/ca.pem" ] || log "warning: no $TLS_DIR/ca.pem; TLS tests need the CA of that broker (docker compose: run '$0 certs' before 'docker compose up')"
  else
    start_ours
  fi
  # Every listener must accept connections (also for a reused broker still starting).
  local port
  for port in "$KAFKA_PORT_PLAINTEXT" "$KAFKA_PORT_SASL" "$KAFKA_PORT_SSL" "$KAFKA_PORT_SASL_SSL"; do
    wait_ready "Kafka listener 127.0.0.1:$port" 60 "$LOGFILE" "" port_busy "$port"
  done
  log "ready: PLAINTEXT 127.0.0.1:$KAFKA_PORT_PLAINTEXT, SASL_PLAINTEXT :$KAFKA_PORT_SASL, SSL :$KAFKA_PORT_SSL, SASL_SSL :$KAFKA_PORT_SASL_SSL (CA $TLS_DIR/ca.pem)"
}

cmd_down() {
  with_lock kafka
  if ours_running; then
    log "stopping pid $(cat "$PIDFILE")"
    stop_pid "$PIDFILE" "$CONFIG" 30
    log "stopped"
  elif port_busy "$KAFKA_PORT_PLAINTEXT"; then
    rm -f "$PIDFILE"
    log "127.0.0.1:$KAFKA_PORT_PLAINTEXT is served by a process this script did not start: left running"
  else
    rm -f "$PIDFILE"
    log "not running"
  fi
}

cmd_status() {
  if ours_running; then
    echo "kafka: running (ours, pid $(cat "$PIDFILE")) on 127.0.0.1:$KAFKA_PORT_PLAINTEXT"
  elif port_busy "$KAFKA_PORT_PLAINTEXT"; then
    echo "kafka: reachable on 127.0.0.1:$KAFKA_PORT_PLAINTEXT (not started by this script)"
  else
    echo "kafka: stopped"; return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  restart)
    ours_running || die "restart: no broker started by this script is running ($PIDFILE)"
    cmd_down
    cmd_up
    ;;
  status) cmd_status ;;
  certs) mkdir -p "$KAFKA_RUN"; ensure_certs; log "TLS material in $TLS_DIR" ;;
  *) usage ;;
esac
