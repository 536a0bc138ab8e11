#!/usr/bin/env bash
# control-plane.sh up|down|status|identity: the test Kubernetes control plane on 127.0.0.1 —
# etcd (:23790, peer :23800) + kube-apiserver (:16443) + kube-controller-manager (no listener).
# No kubelet, scheduler or container runtime: e2e/support/node-agent.ts binds worker pods and runs
# them as local processes.
#
#   up         build the binaries if missing (scripts/cluster/build-k8s-bins.sh, minutes when cold),
#              start whatever is not running, wait for readiness, print the admin kubeconfig path.
#              A running control plane is reused as is.
#   down       SIGTERM all three at once, SIGKILL what is left after 10 s (only our recorded PIDs).
#   status     one line per component; exit 0 when all three run and /readyz answers, else 3.
#   identity USER [GROUPS]
#              print the bearer token of USER from the token-auth file, adding a line (and
#              restarting the running apiserver, which reads the file only at start) when new.
#              GROUPS is comma separated, e.g. "system:serviceaccounts,system:serviceaccounts:ns".
#
# Run state in $DATAFLOW_CACHE/run/k8s (K8S_RUN): admin.kubeconfig, tokens.csv (token,user,uid,"groups";
# first line test-admin in system:masters), sa.key (ServiceAccount signing key), certs/apiserver.crt
# (self-signed serving cert for 127.0.0.1, the kubeconfig's CA), etcd/ (data), logs/, *.pid.
# The etcd data is wiped whenever etcd itself starts (KEEP_ETCD_DATA=1 keeps it); keys, tokens and
# the serving certificate are kept, so kubeconfigs written earlier stay valid.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=control-plane
# shellcheck source=scripts/cluster/lib.sh disable=SC2034  # SERVICE_NAME is read by lib.sh
. "$HERE/lib.sh"

usage() { echo "usage: $0 up|down|status|identity USER [GROUPS]" >&2; exit 2; }

# Leave out pod-garbage-collector and node-lifecycle: they delete pods bound to a Node that has
# no kubelet. The serviceaccount controllers are not needed (TokenRequest is served by the
# apiserver; the node agent creates a missing `default` ServiceAccount itself).
KCM_CONTROLLERS="${KCM_CONTROLLERS:-deployment-controller,replicaset-controller,garbage-collector-controller,namespace-controller}"

KUBECONFIG_FILE="$K8S_RUN/admin.kubeconfig"
TOKENS="$K8S_RUN/tokens.csv"
CA="$K8S_RUN/certs/apiserver.crt"
API_URL="https://127.0.0.1:$APISERVER_PORT"
# Markers that tie a recorded PID to our process (a recycled PID never counts).
ETCD_MARK="--data-dir=$K8S_RUN/etcd"
API_MARK="--cert-dir=$K8S_RUN/certs"
KCM_MARK="--kubeconfig=$KUBECONFIG_FILE"

etcd_up() { pid_alive "$K8S_RUN/etcd.pid" "$ETCD_MARK"; }
api_up() { pid_alive "$K8S_RUN/kube-apiserver.pid" "$API_MARK"; }
kcm_up() { pid_alive "$K8S_RUN/kube-controller-manager.pid" "$KCM_MARK"; }
api_ready() { curl -fsS --max-time 5 --cacert "$CA" "$API_URL/readyz" >/dev/null 2>&1; }
etcd_healthy() { curl -fsS --max-time 5 "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1; }

# within SECONDS CMD...: true as soon as CMD succeeds (polled every 0.25 s), false after SECONDS.
within() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.25
  done
}

refuse_foreign_port() {
  port_busy "$1" && die "127.0.0.1:$1 ($2) is taken by a process this script did not start; stop it or set ${3}"
  return 0
}

# launch NAME LOGFILE CMD...: start CMD in its own session (a Ctrl-C of the caller or the end of
# `make` does not stop it), record its PID. `9>&-`: the daemon must not inherit the lock of
# with_lock, or it would hold that lock for as long as it runs.
launch() {
  local name=$1 logfile=$2
  shift 2
  setsid "$@" > "$logfile" 2>&1 < /dev/null 9>&- &
  echo $! > "$K8S_RUN/$name.pid"
}

ensure_credentials() {
  mkdir -p "$K8S_RUN/certs" "$K8S_RUN/logs"
  need_command openssl openssl
  need_command curl curl
  if [ ! -s "$TOKENS" ]; then
    printf '%s,test-admin,uid-test-admin,"system:masters"\n' "$(openssl rand -hex 24)" > "$TOKENS"
    chmod 600 "$TOKENS"
  fi
  if [ ! -s "$K8S_RUN/sa.key" ]; then
    openssl genrsa -out "$K8S_RUN/sa.key" 2048 2>/dev/null || die "openssl genrsa failed"
    chmod 600 "$K8S_RUN/sa.key"
  fi
}

write_kubeconfig() {
  local token
  token="$(head -1 "$TOKENS" | cut -d, -f1)"
  umask 077
  cat > "$KUBECONFIG_FILE.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: dataflow-test
  cluster:
    server: "$API_URL"
    certificate-authority: "$CA"
users:
- name: test-admin
  user:
    token: "$token"
contexts:
- name: dataflow-test
  context:
    cluster: dataflow-test
    user: test-admin
current-context: dataflow-test
KC
  mv -f "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
}

start_etcd() {
  refuse_foreign_port "$ETCD_PORT" "etcd client" ETCD_PORT
  refuse_foreign_port "$ETCD_PEER_PORT" "etcd peer" ETCD_PEER_PORT
  # A fresh etcd takes 62 MB (preallocated WAL): keep K8S_RUN off a small tmpfs.
  [ "${KEEP_ETCD_DATA:-0}" = 1 ] || rm -rf "$K8S_RUN/etcd"
  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  launch etcd "$K8S_RUN/logs/etcd.log" "$K8S_BIN_DIR/etcd" --name=default "$ETCD_MARK" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="default=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync
  wait_ready etcd 30 "$K8S_RUN/logs/etcd.log" "$(cat "$K8S_RUN/etcd.pid")" etcd_healthy
}

start_apiserver() {
  refuse_foreign_port "$APISERVER_PORT" kube-apiserver APISERVER_PORT
  log "starting kube-apiserver on $API_URL"
  # Without --tls-cert-file the apiserver writes (once) a self-signed certificate for 127.0.0.1
  # into --cert-dir. --advertise-address keeps it off the machine's default route; the
  # ServiceAccount admission plugin is off because no controller creates `default` accounts;
  # no endpoint reconciler (there is no reachable `kubernetes` Service anyway).
  launch kube-apiserver "$K8S_RUN/logs/kube-apiserver.log" "$K8S_BIN_DIR/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    "$API_MARK" \
    --token-auth-file="$TOKENS" \
    --authorization-mode=RBAC \
    --service-account-issuer="$API_URL/" \
    --service-account-key-file="$K8S_RUN/sa.key" \
    --service-account-signing-key-file="$K8S_RUN/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --allow-privileged=true \
    --disable-admission-plugins=ServiceAccount \
    --endpoint-reconciler-type=none
  # The certificate appears a moment after the start; /readyz needs it.
  wait_ready kube-apiserver 120 "$K8S_RUN/logs/kube-apiserver.log" "$(cat "$K8S_RUN/kube-apiserver.pid")" \
    api_ready
}

start_kcm() {
  log "starting kube-controller-manager ($KCM_CONTROLLERS)"
  # --secure-port=0: no listener, hence no health endpoint; ready once the deployment
  # controller logs that its caches are synced.
  launch kube-controller-manager "$K8S_RUN/logs/kube-controller-manager.log" "$K8S_BIN_DIR/kube-controller-manager" \
    "$KCM_MARK" \
    --leader-elect=false --secure-port=0 \
    --controllers="$KCM_CONTROLLERS" \
    --kube-api-qps=50 --kube-api-burst=100
  wait_ready kube-controller-manager 60 "$K8S_RUN/logs/kube-controller-manager.log" \
    "$(cat "$K8S_RUN/kube-controller-manager.pid")" \
    grep -q '"Caches are synced" controller="deployment"' "$K8S_RUN/logs/kube-controller-manager.log"
}

stop_all() {
  local f marker pid
  local -a pids=()
  for pair in "kube-controller-manager.pid|$KCM_MARK" "kube-apiserver.pid|$API_MARK" "etcd.pid|$ETCD_MARK"; do
    f="$K8S_RUN/${pair%%|*}"
    marker="${pair#*|}"
    if pid_alive "$f" "$marker"; then pids+=("$(cat "$f")"); fi
    rm -f "$f"
  done
  [ "${#pids[@]}" -gt 0 ] || { log "not running"; return 0; }
  # All at once: one after another takes three times as long.
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -9 "$pid" 2>/dev/null; then log "sent SIGKILL to $pid"; fi
  done
  log "control plane stopped"
}

cmd_up() {
  with_lock k8s
  if etcd_up && api_up && kcm_up && api_ready; then
    log "already running ($API_URL)"
    echo "$KUBECONFIG_FILE"
    return 0
  fi
  local started=$SECONDS
  K8S_BIN_DIR="$(K8S_BIN_DIR="$K8S_BIN_DIR" "$HERE/build-k8s-bins.sh")"
  ensure_credentials
  write_kubeconfig
  # A new etcd means an empty store: restart the others against it.
  if etcd_up && ! within 10 etcd_healthy; then
    log "etcd runs but does not answer: restarting the whole control plane"
    stop_all
  fi
  if ! etcd_up; then
    if api_up || kcm_up; then log "etcd is gone: restarting the whole control plane"; stop_all; fi
    start_etcd
  fi
  if api_up && ! within 30 api_ready; then
    log "kube-apiserver runs but /readyz does not answer: restarting it"
    stop_pid "$K8S_RUN/kube-apiserver.pid" "$API_MARK" 5
  fi
  api_up || start_apiserver
  kcm_up || start_kcm
  log "control plane ready in $((SECONDS - started))s: export KUBECONFIG=$KUBECONFIG_FILE"
  echo "$KUBECONFIG_FILE"
}

cmd_status() {
  local rc=0 state
  for c in etcd kube-apiserver kube-controller-manager; do
    case $c in
      etcd) etcd_up && state="running (pid $(cat "$K8S_RUN/etcd.pid"))" || state=stopped ;;
      kube-apiserver) api_up && state="running (pid $(cat "$K8S_RUN/kube-apiserver.pid"))" || state=stopped ;;
      kube-controller-manager) kcm_up && state="running (pid $(cat "$K8S_RUN/kube-controller-manager.pid"))" || state=stopped ;;
    esac
    [ "$state" = stopped ] && rc=3
    printf '%-24s %s\n' "$c" "$state"
  done
  if [ -s "$CA" ] && api_ready; then
    printf '%-24s %s\n' readyz "ok ($API_URL)"
  else
    printf '%-24s %s\n' readyz "no answer ($API_URL)"
    rc=3
  fi
  [ "$rc" = 0 ] && printf '%-24s %s\n' kubeconfig "$KUBECONFIG_FILE"
  return "$rc"
}

cmd_identity() {
  local user=${1:-} groups=${2:-} token
  [ -n "$user" ] || usage
  [[ "$user" != *[\",]* ]] || die "USER must not contain commas or quotes: '$user'"
  [[ "$groups" != *\"* ]] || die "GROUPS must not contain quotes: '$groups'"
  with_lock k8s
  ensure_credentials
  token="$(awk -F, -v u="$user" '$2 == u { print $1; exit }' "$TOKENS")"
  if [ -z "$token" ]; then
    token="$(openssl rand -hex 24)"
    printf '%s,%s,uid-%s,"%s"\n' "$token" "$user" "$(openssl rand -hex 8)" "$groups" >> "$TOKENS"
    log "added identity $user${groups:+ (groups $groups)}"
    if api_up; then
      log "restarting kube-apiserver: it reads $TOKENS only at start"
      # Its graceful shutdown waits for long-running watches; nothing is lost by cutting it short.
      stop_pid "$K8S_RUN/kube-apiserver.pid" "$API_MARK" 5
      start_apiserver
    fi
  fi
  echo "$token"
}

case "${1:-}" in
  up) cmd_up ;;
  down) with_lock k8s; stop_all ;;
  status) cmd_status ;;
  identity) shift; cmd_identity "$@" ;;
  *) usage ;;
esac
