# shellcheck shell=bash
# Settings shared by the image scripts (ensure-tools.sh, build-bases.sh, build.sh, test.sh, env.sh).
# Source it; do not run it. Images live in a private container store under the cache, never in the
# machine's default /var/lib/containers, and every buildah/podman call reads the private
# containers.conf (runc, explicit ulimits: test-env.md §11) through the exported variables below.
# shellcheck disable=SC2034  # read by the scripts that source this file

IMAGES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${DATAFLOW_CACHE:-$HOME/.cache/dataflow}"
CONTAINERS_DIR="$CACHE/containers"
CONTAINERS_CONF="$CONTAINERS_DIR/containers.conf"
CONTAINERS_STORAGE_CONF="$CONTAINERS_DIR/storage.conf"
HADOLINT_VENV="$CACHE/tools/hadolint-venv"
HADOLINT="$HADOLINT_VENV/bin/hadolint"
HADOLINT_VERSION=2.15.1
# Debian suite of the local bases; the build stage and the runtime stage share it so the node
# binary finds the same glibc in both.
BASE_SUITE="${BASE_SUITE:-bookworm}"
BUILD_BASE_IMAGE=localhost/dataflow-base-build
RUNTIME_BASE_IMAGE=localhost/dataflow-base-runtime
export CONTAINERS_CONF CONTAINERS_STORAGE_CONF

img_log() { printf '[%s +%ss] %s\n' "${0##*/}" "$SECONDS" "$*" >&2; }
img_die() { img_log "ERROR: $*"; exit 1; }

# The release version both images are tagged with (the operator's package version).
dataflow_version() {
  sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$IMAGES_ROOT/packages/controller/package.json" | head -1
}

require_tools() {
  local missing=()
  for tool in buildah podman skopeo mmdebstrap runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ -f "$CONTAINERS_CONF" ] || missing+=("$CONTAINERS_CONF")
  [ "${#missing[@]}" -eq 0 ] || img_die "missing: ${missing[*]} — run scripts/images/ensure-tools.sh"
}
