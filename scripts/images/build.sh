#!/usr/bin/env bash
# `make images`: builds the worker and controller images with buildah into the project's private
# container store (scripts/images/lib.sh), on the local Debian + Node 24 bases (build-bases.sh), and
# tags them localhost/dataflow-worker:<version> and localhost/dataflow-controller:<version>
# (<version> = packages/controller/package.json). Reproducible: every file and the image config carry
# timestamp 0, so the same sources and bases give the same image ID and digest.
#   scripts/images/build.sh                    build both (layer cache on: a warm rebuild takes seconds)
#   scripts/images/build.sh --verify-reproducible
#                                              then rebuild both without the layer cache and fail
#                                              unless each digest is identical; prints both
#   IMAGES="worker" scripts/images/build.sh    only the listed images
# Prints `<name>=<ref> <image id> <digest>` per image on stdout.
# Heavy (npm ci + tsc in the build stage): run it under `flock /tmp/dataflow-heavy.lock` on shared
# machines. Needs scripts/images/ensure-tools.sh once.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/images/lib.sh
. "$HERE/lib.sh"
require_tools

verify=0
for arg in "$@"; do
  case "$arg" in
    --verify-reproducible) verify=1 ;;
    *) img_die "unknown argument $arg (usage: build.sh [--verify-reproducible])" ;;
  esac
done

bases="$("$HERE/build-bases.sh")"
build_base="$(sed -n 's/^BUILD_BASE=//p' <<<"$bases")"
runtime_base="$(sed -n 's/^RUNTIME_BASE=//p' <<<"$bases")"
if [ -z "$build_base" ] || [ -z "$runtime_base" ]; then img_die "build-bases.sh printed no base images"; fi

version="$(dataflow_version)"
[ -n "$version" ] || img_die "no version in packages/controller/package.json"
revision="$(git -C "$IMAGES_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"

bud_args=(
  --runtime runc --network host --timestamp 0
  --build-arg "BUILD_IMAGE=$build_base" --build-arg "BASE_IMAGE=$runtime_base"
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision"
)
# npm in the build stage must trust what the host trusts (the registry may sit behind a
# TLS-intercepting proxy); the bundle is mounted for RUN steps only and never enters a layer.
host_ca="${DATAFLOW_HOST_CA:-/etc/ssl/certs/ca-certificates.crt}"
if [ -s "$host_ca" ]; then
  bud_args+=(--volume "$host_ca:/run/host-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/host-ca.crt)
fi

# Both builds of --verify-reproducible (and both images) read one snapshot of the sources, so an
# edit made while building cannot pass for non-reproducibility. The list matches .dockerignore.
context="$(mktemp -d "${TMPDIR:-/tmp}/dataflow-image-context.XXXXXX")"
trap 'rm -rf "$context"' EXIT
(
  cd "$IMAGES_ROOT"
  tar -cf - .dockerignore package.json package-lock.json tsconfig.base.json LICENSE \
    packages/*/package.json packages/*/tsconfig.json packages/*/src packages/*/Containerfile \
    e2e/package.json bench/package.json
) | tar -C "$context" -xf -

image_ref() { echo "localhost/dataflow-$1:$version"; }
image_digest() { podman image inspect --format '{{.ID}} {{.Digest}}' "$1"; }

build_one() { # <worker|controller> <extra buildah args…>
  local name="$1"
  shift
  local started=$SECONDS
  buildah bud --quiet "${bud_args[@]}" "$@" -f "$context/packages/$name/Containerfile" \
    -t "$(image_ref "$name")" "$context" >/dev/null
  img_log "built $(image_ref "$name") in $((SECONDS - started)) s"
}

read -r -a images <<<"${IMAGES:-worker controller}"
for name in "${images[@]}"; do
  case "$name" in worker | controller) ;; *) img_die "IMAGES lists unknown image $name" ;; esac
  # Never from the layer cache: buildah 1.28 reuses a cached LABEL step even when the build
  # argument it expands (REVISION, VERSION) changed, so a cached image carried a stale revision
  # (seen in CI: same layers, different config digest). A full build costs about 20 s per image.
  build_one "$name" --layers --no-cache
  read -r id digest <<<"$(image_digest "$(image_ref "$name")")"
  if [ "$verify" = 1 ]; then
    # A second build from scratch (no layer cache) must produce the very same image.
    build_one "$name" --layers --no-cache
    read -r id2 digest2 <<<"$(image_digest "$(image_ref "$name")")"
    img_log "$name digest, first build:  $digest (id $id)"
    img_log "$name digest, second build: $digest2 (id $id2)"
    if [ "$digest" != "$digest2" ] || [ "$id" != "$id2" ]; then img_die "$name is not reproducible: two builds gave different digests"; fi
  fi
  echo "$name=$(image_ref "$name") $id $digest"
done
# Every source change leaves the previous images' layers behind. Pruning also drops the build
# stage's layer cache (the next build runs npm ci again, ≈ +20 s), so only do it past a size.
prune_above_mb="${IMAGES_PRUNE_ABOVE_MB:-4096}"
store_mb="$(du -sm "$CONTAINERS_DIR/storage" | cut -f1)"
if [ "$store_mb" -gt "$prune_above_mb" ]; then
  img_log "image store is $store_mb MB (> $prune_above_mb): pruning dangling images"
  podman image prune --force >/dev/null
fi
