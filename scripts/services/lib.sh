# shellcheck shell=bash
# Functions shared by the service scripts (postgres.sh, kafka.sh, apicurio.sh, clickhouse.sh,
# keycloak.sh, trino.sh, all.sh, env.sh).
# Source it; do not run it. Every service listens on 127.0.0.1 only; downloads and run state live
# under $DATAFLOW_CACHE (default ~/.cache/dataflow): Maven repository in m2/, archives in dl/,
# one run dir per service in run/<name>/ (data, rendered config, log, pid file).
# shellcheck disable=SC2034  # the settings below are read by the scripts that source this file

CACHE="${DATAFLOW_CACHE:-$HOME/.cache/dataflow}"
RUN_ROOT="$CACHE/run"
MVN_REPO="$CACHE/m2"
DL_DIR="$CACHE/dl"
# Pinned: Maven 3.8 would otherwise pick whatever plugin version it resolves first.
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

# Ports and credentials every script, env.sh and docker-compose.yml agree on.
PG_PORT="${PG_PORT:-15432}"
PG_USER=postgres
PG_PASSWORD=postgres
PG_DB="test"
PG_MAJOR="${PG_MAJOR:-15}"
KAFKA_PORT_PLAINTEXT=19092
KAFKA_PORT_CONTROLLER=19093
KAFKA_PORT_SASL=19094
KAFKA_PORT_SSL=19095
KAFKA_PORT_SASL_SSL=19096
KAFKA_USER=alice
KAFKA_PASSWORD=alice-secret
APICURIO_PORT=18081
APICURIO_MGMT_PORT=18091
CLICKHOUSE_HTTP_PORT=18123
CLICKHOUSE_TCP_PORT=19000
CLICKHOUSE_USER=ci
CLICKHOUSE_PASSWORD=ci-pw
KEYCLOAK_PORT=18180
KEYCLOAK_REALM=ci
TRINO_PORT=18080
TRINO_HTTPS_PORT=18443

log() { printf '[%s +%ss] %s\n' "${SERVICE_NAME:-${0##*/}}" "$SECONDS" "$*" >&2; }
# die runs $ON_DIE first (if set): a start that fails stops the process it launched.
ON_DIE=
die() {
  log "ERROR: $*"
  if [ -n "$ON_DIE" ]; then local f=$ON_DIE; ON_DIE=; "$f"; fi
  exit 1
}

is_root() { [ "$(id -u)" = 0 ]; }

# port_busy PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# pid_alive PIDFILE MARKER: true when the PID in PIDFILE runs and its command line contains
# MARKER, so a recycled PID never counts as our service.
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# print_log_tail FILE: the last lines of a service log, to explain a failed start.
print_log_tail() {
  [ -s "$1" ] || return 0
  printf -- '----- last lines of %s -----\n' "$1" >&2
  tail -n 40 "$1" >&2
  printf -- '-----\n' >&2
}

# wait_ready NAME TIMEOUT_S LOGFILE PID CMD...: run CMD every 0.25 s until it succeeds. Fails,
# with the log tail, when PID (if not empty) exits or the timeout passes.
wait_ready() {
  local name=$1 timeout=$2 logfile=$3 pid=$4
  shift 4
  local end=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail "$logfile"
      die "$name exited during start-up (log: $logfile)"
    fi
    if [ "$SECONDS" -ge "$end" ]; then
      print_log_tail "$logfile"
      die "$name not ready after ${timeout}s (log: $logfile)"
    fi
    sleep 0.25
  done
}

# stop_pid PIDFILE MARKER [GRACE_S]: SIGTERM the recorded PID (only when it is still our
# process), wait up to GRACE_S, then SIGKILL. Removes the pid file.
stop_pid() {
  local f=$1 marker=$2 grace=${3:-20} pid i
  if pid_alive "$f" "$marker"; then
    pid="$(cat "$f")"
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -9 "$pid" 2>/dev/null; then log "sent SIGKILL to $pid after ${grace}s"; fi
  fi
  rm -f "$f"
}

# with_lock NAME: serialise concurrent calls for one service (two test runs calling `up`).
with_lock() {
  mkdir -p "$RUN_ROOT"
  exec 9>"$RUN_ROOT/.$1.lock"
  flock -w 600 9 || die "another $1 script still holds $RUN_ROOT/.$1.lock"
}

# apt_install PACKAGE...: install Debian packages (root only), running `apt-get update` once.
APT_UPDATED=
apt_install() {
  is_root || die "missing package(s) $*: run apt-get install -y $* (as root)"
  command -v apt-get >/dev/null || die "missing package(s) $* and no apt-get on this machine"
  export DEBIAN_FRONTEND=noninteractive
  local aptlog="$RUN_ROOT/apt.log"
  mkdir -p "$RUN_ROOT"
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"
    apt-get -o DPkg::Lock::Timeout=300 update > "$aptlog" 2>&1 \
      || { print_log_tail "$aptlog"; die "apt-get update failed (log: $aptlog)"; }
    APT_UPDATED=1
  fi
  log "apt-get install -y $* (log: $aptlog)"
  apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@" >> "$aptlog" 2>&1 \
    || { print_log_tail "$aptlog"; die "apt-get install -y $* failed (log: $aptlog)"; }
}

# need_command CMD PACKAGE: make sure CMD exists, installing PACKAGE with apt-get when root.
need_command() {
  command -v "$1" >/dev/null 2>&1 && return 0
  is_root || die "$1 not found: run apt-get install -y $2"
  apt_install "$2"
  command -v "$1" >/dev/null 2>&1 || die "$1 still not found after installing $2"
}

# find_jdk MIN [PREFERRED]: print the home of an installed JDK whose major version is >= MIN,
# taking PREFERRED when present. Reads each JDK's `release` file in the system JVM directory
# (the one that holds the default `java`) and in /usr/lib/jvm.
find_jdk() {
  local min=$1 preferred=${2:-} java d major best=
  local -a roots=(/usr/lib/jvm)
  local -A seen=()
  java="$(command -v java 2>/dev/null || true)"
  [ -n "$java" ] && roots=("$(dirname "$(dirname "$(dirname "$(readlink -f "$java")")")")" "${roots[@]}")
  local -a homes=()
  for d in "${roots[@]}"; do homes+=("$d"/*); done
  for d in "${homes[@]}"; do
    d="$(readlink -f "$d")"
    if [ -n "${seen[$d]:-}" ] || [ ! -f "$d/release" ] || [ ! -x "$d/bin/java" ]; then continue; fi
    seen[$d]=1
    major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release")"
    if [ -z "$major" ] || [ "$major" -lt "$min" ]; then continue; fi
    if [ "$major" = "$preferred" ]; then echo "$d"; return 0; fi
    [ -n "$best" ] || best="$d"
  done
  [ -n "$best" ] && echo "$best"
}

# mvn_run WHAT LOGFILE ARGS...: run Maven offline-friendly into $MVN_REPO; on failure name the
# artifact Maven could not find (an artifact no longer served) or show the log tail.
mvn_run() {
  local what=$1 logfile=$2 missing
  shift 2
  need_command mvn maven
  mkdir -p "$(dirname "$logfile")"
  if ! mvn -B -q -Dmaven.repo.local="$MVN_REPO" "$@" > "$logfile" 2>&1; then
    missing="$(grep -oE "(Could not find artifact|Failure to find) [^ ]+" "$logfile" | head -1 | awk '{print $NF}')"
    [ -n "$missing" ] && die "Maven artifact $missing is not served by Maven Central (any more?): cannot get $what (log: $logfile)"
    print_log_tail "$logfile"
    die "Maven could not download $what (network? log: $logfile)"
  fi
}

# mvn_fetch G:A:V:TYPE[:CLASSIFIER]: download one artifact into $DL_DIR (once); print its path.
mvn_fetch() {
  local coord=$1 a v t c file
  IFS=: read -r _ a v t c <<<"$coord"
  file="$DL_DIR/$a-$v${c:+-$c}.$t"
  if [ ! -s "$file" ]; then
    log "downloading $coord from Maven Central"
    mvn_run "$coord" "$DL_DIR/mvn-$a-$v.log" "$DEP_PLUGIN:copy" \
      -Dartifact="$coord" -DoutputDirectory="$DL_DIR"
    [ -s "$file" ] || die "Maven finished but $file is missing"
    # `copy` also leaves the file in the Maven repository: keep one copy (159 MB for Apicurio).
    local g; IFS=: read -r g _ <<<"$coord"
    rm -rf "${MVN_REPO:?}/${g//.//}/$a/$v"
  fi
  echo "$file"
}

# render SRC DST NAME...: copy SRC to DST, replacing each @NAME@ with the value of $NAME.
render() {
  local src=$1 dst=$2 n
  local -a expr=()
  shift 2
  for n in "$@"; do expr+=(-e "s|@$n@|${!n}|g"); done
  sed "${expr[@]}" "$src" > "$dst"
}

# PostgreSQL locations, shared by postgres.sh and env.sh. The server refuses to run as root, so
# as root it runs as the postgres user, whose data dir must be reachable by that user: the cache
# run dir when postgres can enter it, otherwise a fixed directory under /tmp.
pg_bin_dir() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  if [ -x "/usr/lib/postgresql/$PG_MAJOR/bin/pg_ctl" ]; then echo "/usr/lib/postgresql/$PG_MAJOR/bin"; return; fi
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  echo "/usr/lib/postgresql/$PG_MAJOR/bin"
}
pg_run_dir() {
  if ! is_root; then echo "$RUN_ROOT/postgres"; return; fi
  # The run dir may not exist yet: what matters is whether postgres can enter its nearest
  # existing ancestor (directories made below it get mode 755).
  local d="$RUN_ROOT"
  while [ ! -d "$d" ]; do d="$(dirname "$d")"; done
  if id postgres >/dev/null 2>&1 && runuser -u postgres -- test -x "$d" 2>/dev/null; then
    echo "$RUN_ROOT/postgres"
  else
    echo "${TMPDIR:-/tmp}/dataflow-postgres-$PG_PORT"
  fi
}
