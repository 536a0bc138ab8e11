# shellcheck shell=bash
# Shared settings of the cluster scripts (build-k8s-bins.sh, control-plane.sh, kubectl-helm.sh).
# Source it; do not run it. Reuses the helpers of scripts/services/lib.sh (log, die, pid_alive,
# wait_ready, stop_pid, with_lock, port_busy) and the same $DATAFLOW_CACHE layout.
# shellcheck source=scripts/services/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../services/lib.sh"

# Pinned: `go list -m -versions` under-reports what the proxy serves; check another version with
# `go list -m -json k8s.io/kubernetes@vX` before changing these.
K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
K8S_BIN_DIR="${K8S_BIN_DIR:-$CACHE/k8s-$K8S_VERSION-etcd-$ETCD_VERSION}"
K8S_RUN="${K8S_RUN:-$RUN_ROOT/k8s}"
TOOLS_DIR="${TOOLS_DIR:-$CACHE/tools}"

ETCD_PORT="${ETCD_PORT:-23790}"
ETCD_PEER_PORT="${ETCD_PEER_PORT:-23800}"
APISERVER_PORT="${APISERVER_PORT:-16443}"
