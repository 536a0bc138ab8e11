#!/usr/bin/env bash
# The images stage of `make test`: lints both Containerfiles with hadolint, builds both images
# (twice, checking the digests match), then proves what the images promise:
#   * node_modules holds production dependencies only: no database or Kafka driver in the controller,
#     no Kubernetes client in the worker, no build tools (typescript, eslint) in either;
#   * no shell in the runtime image; uid 10001; OCI labels; read-only root filesystem;
#   * each starts under --read-only --user 10001 --cap-drop=ALL, and SIGTERM ends it with exit 0
#     (the worker runs a generator → stdout flow; the controller watches a namespace of the test
#     control plane, which must be up: scripts/cluster/control-plane.sh up).
# Tools come from ensure-tools.sh (installed when missing, never skipped). Heavy: run it under
# `flock /tmp/dataflow-heavy.lock` on shared machines. Needs `npx tsc -b` output (renders the flow).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/images/lib.sh
. "$HERE/lib.sh"
cd "$IMAGES_ROOT"

"$HERE/ensure-tools.sh"
failures=0
pass() { img_log "ok: $*"; }
fail() { img_log "FAIL: $*"; failures=$((failures + 1)); }

work="$(mktemp -d "${TMPDIR:-/tmp}/dataflow-images-test.XXXXXX")"
containers=()
cleanup() {
  for name in "${containers[@]}"; do podman rm --force --time 0 "$name" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

img_log "hadolint $HADOLINT_VERSION"
"$HADOLINT" packages/worker/Containerfile packages/controller/Containerfile && pass "hadolint: both Containerfiles clean"

img_log "building both images twice (the second time without the layer cache)"
build_out="$("$HERE/build.sh" --verify-reproducible)"
printf '%s\n' "$build_out"
version="$(dataflow_version)"
worker="localhost/dataflow-worker:$version"
controller="localhost/dataflow-controller:$version"

# One-off commands run node itself: the images have no shell.
node_in() { # <image> <script> [args…]
  local image="$1" script="$2"
  shift 2
  podman run --rm --network=none --read-only --user 10001 --entrypoint /nodejs/bin/node "$image" -e "$script" "$@"
}

# Every package under /app/node_modules (nested ones too), one name per line.
list_packages='
const fs = require("fs"), path = require("path");
const names = new Set();
function walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir)) {
    if (entry.startsWith(".")) continue;
    const full = path.join(dir, entry);
    if (entry.startsWith("@")) { for (const sub of fs.readdirSync(full)) visit(entry + "/" + sub, path.join(full, sub)); }
    else visit(entry, full);
  }
}
function visit(name, full) { names.add(name); walk(path.join(full, "node_modules")); }
walk("/app/node_modules");
console.log([...names].sort().join("\n"));'

check_packages() { # <label> <image> <required regex> <forbidden regex>
  local label="$1" image="$2" required="$3" forbidden="$4" packages bad
  packages="$(node_in "$image" "$list_packages")"
  printf '%s\n' "$packages" > "$work/$label-packages.txt"
  img_log "$label image: $(wc -l < "$work/$label-packages.txt") packages in node_modules"
  for name in $required; do
    grep -qx "$name" <<<"$packages" || fail "$label image lacks $name (is the listing broken?)"
  done
  bad="$(grep -E "^($forbidden)$" <<<"$packages" || true)"
  if [ -n "$bad" ]; then fail "$label image contains forbidden packages: $(tr '\n' ' ' <<<"$bad")"; else pass "$label image: no forbidden package"; fi
}
# Build and test tooling never belongs in a runtime image.
dev_only='typescript|eslint|typescript-eslint|@eslint/.*|@dataflow/testkit|@dataflow/cli|@types/pg|@types/yargs'
check_packages worker "$worker" "@dataflow/api kafkajs pg yargs" \
  "@kubernetes/.*|@dataflow/controller|openid-client|$dev_only"
check_packages controller "$controller" "@dataflow/api @kubernetes/client-node yargs" \
  "pg|pg-.*|kafkajs|kafkajs-.*|@clickhouse/.*|trino-client|avsc|@kafkajs/.*|mysql2?|@dataflow/worker|$dev_only"

no_shell_and_read_only='
const fs = require("fs");
const shells = ["/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "/usr/bin/perl", "/usr/bin/python3"].filter((p) => fs.existsSync(p));
let write = "written";
try { fs.writeFileSync("/app/probe", "x"); } catch (e) { write = e.code; }
console.log(JSON.stringify({ uid: process.getuid(), shells, write }));'
for label in worker controller; do
  image="localhost/dataflow-$label:$version"
  facts="$(node_in "$image" "$no_shell_and_read_only")"
  if [ "$facts" = '{"uid":10001,"shells":[],"write":"EROFS"}' ]; then pass "$label image: uid 10001, no shell, read-only root ($facts)"
  else fail "$label image: expected uid 10001, no shell and EROFS, got $facts"; fi
  labels="$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}} {{index .Labels "org.opencontainers.image.licenses"}} {{index .Labels "org.opencontainers.image.source"}} {{.Config.User}}' "$image")"
  if [ "$labels" = "$version Apache-2.0 https://github.com/dataflow-operator/dataflow 10001:10001" ]; then pass "$label image: OCI labels and user ($labels)"
  else fail "$label image: labels/user are '$labels'"; fi
done

run_flags=(--read-only --user 10001 --cap-drop=ALL --security-opt no-new-privileges)
help_check() { # <label> <image> <text the usage must contain>
  local help
  if help="$(podman run --rm --network=none "${run_flags[@]}" "$2" --help)" && grep -q -- "$3" <<<"$help"; then pass "$1 --help"
  else fail "$1 --help did not print its usage"; fi
}
help_check worker "$worker" 'dataflow-worker --config'
help_check controller "$controller" 'dataflow-controller \[options\]'

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# Starts a container, waits until <url> answers (node as PID 1 ignores a SIGTERM that comes before
# the program installed its handler), stops it with SIGTERM and checks exit code 0.
sigterm_check() { # <label> <url> <podman run args…>
  local label="$1" url="$2" name code
  name="dataflow-images-test-$label-$$"
  shift 2
  containers+=("$name")
  podman run -d --name "$name" --network=host "${run_flags[@]}" "$@" >/dev/null
  for _ in $(seq 1 120); do
    curl -sf -m 1 "$url" >/dev/null 2>&1 && break
    [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || break
    sleep 0.25
  done
  if ! curl -sf -m 1 "$url" >/dev/null 2>&1; then
    fail "$label container never answered $url; its log:"
    podman logs "$name" 2>&1 | tail -20 >&2
    return
  fi
  podman stop --time 20 "$name" >/dev/null
  code="$(podman inspect --format '{{.State.ExitCode}}' "$name")"
  if [ "$code" = 0 ]; then pass "$label: ready at $url, SIGTERM → exit 0"; else
    fail "$label: SIGTERM → exit $code; its log:"
    podman logs "$name" 2>&1 | tail -20 >&2
  fi
}

# Worker: a self-contained generator → stdout flow, rendered the way the operator renders it.
mkdir -p "$work/worker-config"
node --input-type=module -e '
import { renderWorkerConfig, serializeWorkerConfig } from "@dataflow/api";
import { parse } from "yaml";
import { readFileSync, writeFileSync } from "node:fs";
const flow = parse(readFileSync("deploy/samples/generator-to-stdout.yaml", "utf8"));
writeFileSync(process.argv[1], serializeWorkerConfig(renderWorkerConfig(flow)));' "$work/worker-config/flow.json"
chmod 0755 "$work" "$work/worker-config" && chmod 0644 "$work/worker-config/flow.json"
port="$(free_port)"
sigterm_check worker "http://127.0.0.1:$port/readyz" -v "$work/worker-config:/etc/dataflow:ro" \
  "$worker" --config /etc/dataflow/flow.json --port "$port" --no-kubernetes

# Controller: the test control plane, seen through a kubeconfig with the CA embedded (the admin
# kubeconfig names a host path the container cannot see). It watches one namespace of its own.
admin_kubeconfig="${KUBECONFIG_ADMIN:-$CACHE/run/k8s/admin.kubeconfig}"
if [ -s "$admin_kubeconfig" ] && curl -sf -m 2 --cacert "$CACHE/run/k8s/certs/apiserver.crt" https://127.0.0.1:16443/readyz >/dev/null 2>&1; then
  kubectl_dir="$("$IMAGES_ROOT/scripts/cluster/kubectl-helm.sh")"
  mkdir -p "$work/kube"
  "$kubectl_dir/kubectl" --kubeconfig "$admin_kubeconfig" config view --raw --flatten --minify > "$work/kube/config"
  chmod 0755 "$work/kube" && chmod 0644 "$work/kube/config"
  # The operator is ready only once its DataFlow watch lists; on a fresh control plane (CI: the
  # e2e suites that install it run later) the CRD has to be applied first (server-side: kubectl's
  # client-side apply would drop the CEL rules).
  "$kubectl_dir/kubectl" --kubeconfig "$admin_kubeconfig" apply --server-side --force-conflicts \
    -f "$IMAGES_ROOT/deploy/crds/" >/dev/null
  # kubectl wait, not a jsonpath poll: right after the apply the CRD has no conditions yet and a
  # jsonpath filter over a missing list is an error (which ended a CI run under set -e).
  "$kubectl_dir/kubectl" --kubeconfig "$admin_kubeconfig" wait --for=condition=Established --timeout=60s \
    crd/dataflows.dataflow.dataflow.io >/dev/null \
    || img_die "the DataFlow CRD did not become Established within 60 s"
  metrics_port="$(free_port)"
  health_port="$(free_port)"
  sigterm_check controller "http://127.0.0.1:$health_port/readyz" -v "$work/kube/config:/kube/config:ro" \
    "$controller" --kubeconfig /kube/config --namespace "dataflow-images-test-$$" \
    --metrics-port "$metrics_port" --health-port "$health_port"
elif [ "${CI:-}" = true ]; then
  fail "the test control plane is not running (scripts/cluster/control-plane.sh up): cannot check the controller's SIGTERM handling"
else
  img_log "SKIPPED (not CI): controller SIGTERM check — the test control plane is not running"
fi

if [ "$failures" -gt 0 ]; then img_log "$failures check(s) failed"; exit 1; fi
img_log "all image checks passed"
