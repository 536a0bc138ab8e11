#!/usr/bin/env bash
# build-k8s-bins.sh: build kube-apiserver, kube-controller-manager (optionally kubectl) and etcd
# from the Go module proxy, cached per version in $DATAFLOW_CACHE/k8s-<k8s>-etcd-<etcd>/; prints
# that directory. Needs Go >= 1.24 and the Go module proxy; no Docker, no GitHub.
#
# Why a wrapper module: `go install k8s.io/kubernetes/cmd/kube-apiserver@v1.34.x` fails because
# k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0
# through `replace => ./staging/...` lines that only apply inside that repository. A throwaway
# module re-points every staging module at its published v0.<minor>.<patch> tag and builds the
# cmd packages as dependencies. etcd's server module builds the same way.
#
# Cost on 2 shared cores with empty Go caches: several CPU-minutes (~500 CPU-s), 5-8 min wall,
# ~1.9 GB peak RSS, ~3 GB of GOCACHE. With the binaries cached: instant. Relink from warm Go
# caches: ~15-30 s. Keep GOMODCACHE/GOCACHE at their defaults so later builds reuse them.
#
# Env: K8S_VERSION (1.34.4), ETCD_VERSION (3.6.16), WITH_KUBECTL=1 (also build kubectl),
#      K8S_BIN_DIR (override the output dir), BUILD_NICE (nice level, default 10).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=build-k8s-bins
# shellcheck source=scripts/cluster/lib.sh disable=SC2034  # SERVICE_NAME is read by lib.sh
. "$HERE/lib.sh"

WITH_KUBECTL="${WITH_KUBECTL:-0}"
OUT="$K8S_BIN_DIR"
MINOR="$(cut -d. -f2 <<<"$K8S_VERSION")"
PATCH="$(cut -d. -f3 <<<"$K8S_VERSION")"
[[ "$K8S_VERSION" =~ ^1\.[0-9]+\.[0-9]+$ ]] || die "K8S_VERSION must look like 1.34.4, got '$K8S_VERSION'"
[[ "$ETCD_VERSION" =~ ^3\.[0-9]+\.[0-9]+$ ]] || die "ETCD_VERSION must look like 3.6.16, got '$ETCD_VERSION'"

have() { [ -x "$OUT/$1" ]; }
CMDS=(kube-apiserver kube-controller-manager)
[ "$WITH_KUBECTL" = 1 ] && CMDS+=(kubectl)

missing=()
for c in "${CMDS[@]}" etcd; do have "$c" || missing+=("$c"); done
if [ "${#missing[@]}" = 0 ]; then echo "$OUT"; exit 0; fi

command -v go >/dev/null 2>&1 || die "Go toolchain not found: building ${missing[*]} needs Go >= 1.24 and the Go module proxy"
with_lock build-k8s-bins
# Another build may have finished while we waited for the lock.
missing=()
for c in "${CMDS[@]}" etcd; do have "$c" || missing+=("$c"); done
if [ "${#missing[@]}" = 0 ]; then echo "$OUT"; exit 0; fi

log "building ${missing[*]} (k8s v$K8S_VERSION, etcd v$ETCD_VERSION) into $OUT; a cold build takes minutes"
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dataflow-k8s-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# GOTOOLCHAIN=local: never download another Go; the pinned versions build with Go 1.24+.
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
NICE=(nice -n "${BUILD_NICE:-10}")

# --- kube-apiserver + kube-controller-manager (+ kubectl) ------------------------------------
need_k8s=0
for c in "${CMDS[@]}"; do have "$c" || need_k8s=1; done
if [ "$need_k8s" = 1 ]; then
  mkdir "$WORK/k8s"
  cd "$WORK/k8s"
  go mod init local/dataflow-k8s-testbins >/dev/null 2>&1
  go mod edit -godebug=default=go1.24
  log "resolving k8s.io/kubernetes@v$K8S_VERSION"
  kgomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\([^"]*\)".*/\1/p')"
  [ -s "$kgomod" ] || die "the Go module proxy does not serve k8s.io/kubernetes@v$K8S_VERSION (check: go list -m -json k8s.io/kubernetes@v$K8S_VERSION)"
  # One replace per staging module named in k8s.io/kubernetes' own go.mod; staging modules are
  # tagged v0.<minor>.<patch>.
  staged=0
  for m in $(sed -n 's|^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*|\1|p' "$kgomod"); do
    go mod edit -replace="$m=$m@v0.$MINOR.$PATCH"
    staged=$((staged + 1))
  done
  [ "$staged" -gt 0 ] || die "found no staging replace lines in $kgomod: the wrapper-module recipe no longer applies"
  log "re-pointed $staged staging modules at v0.$MINOR.$PATCH"
  pkgs=(); tools=()
  for c in "${CMDS[@]}"; do
    pkgs+=("k8s.io/kubernetes/cmd/$c")
    tools+=("k8s.io/kubernetes/cmd/$c@v$K8S_VERSION")
  done
  # `go get -tool` records the requirement; never `go mod tidy` here (it would drop it).
  go get -tool "${tools[@]}" >&2
  log "modules ready; compiling ${CMDS[*]}"
  # The version stamp makes /version report v$K8S_VERSION (helm kubeVersion checks read it).
  v=k8s.io/component-base/version
  ldflags="-s -w -X $v.gitVersion=v$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$MINOR -X $v.gitTreeState=clean -X $v.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  mkdir -p "$WORK/out"
  "${NICE[@]}" go build -trimpath -ldflags "$ldflags" -o "$WORK/out/" "${pkgs[@]}" >&2
  # Move into the cache only complete binaries, so an interrupted build never looks finished.
  for c in "${CMDS[@]}"; do mv -f "$WORK/out/$c" "$OUT/$c"; done
  log "kubernetes binaries done"
fi

# --- etcd ----------------------------------------------------------------------------------------
if ! have etcd; then
  mkdir "$WORK/etcd"
  cd "$WORK/etcd"
  go mod init local/dataflow-etcd-bin >/dev/null 2>&1
  log "resolving go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2 \
    || die "the Go module proxy does not serve go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  # Explicit output file: the package path ends in /v3.
  "${NICE[@]}" go build -trimpath -ldflags "-s -w" -o "$WORK/etcd.bin" go.etcd.io/etcd/server/v3 >&2
  mv -f "$WORK/etcd.bin" "$OUT/etcd"
  log "etcd done"
fi
echo "$OUT"
