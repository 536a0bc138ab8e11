#!/usr/bin/env bash
# Prints the exports that point podman, buildah and skopeo at the project's private container store
# and settings (runc, ulimits; written by ensure-tools.sh), so plain commands see the built images:
#   source <(scripts/images/env.sh) && podman images
set -euo pipefail
# shellcheck source=scripts/images/lib.sh
. "$(dirname "$0")/lib.sh"
[ -f "$CONTAINERS_CONF" ] || img_die "$CONTAINERS_CONF missing — run scripts/images/ensure-tools.sh"
printf 'export CONTAINERS_CONF=%q\nexport CONTAINERS_STORAGE_CONF=%q\n' "$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF"
