#!/usr/bin/env bash
# The body of `make test`: every suite, each service started once and shared, one after another
# (two cores). Under CI=true the services and the control plane this run started are stopped at the
# end; locally they stay up so the next run is fast (`make services-down cluster-down` stops them).
set -euo pipefail
cd "$(dirname "$0")/.."
MAKE_CMD=(make --no-print-directory)
started_here=()

cleanup() {
  local rc=$?
  if [ "${CI:-}" = "true" ] && [ "${DATAFLOW_KEEP_SERVICES:-0}" != "1" ]; then
    if [[ " ${started_here[*]-} " == *" cluster "* ]]; then scripts/cluster/control-plane.sh down || true; fi
    if [[ " ${started_here[*]-} " == *" services "* ]]; then scripts/services/all.sh down || true; fi
  fi
  exit "$rc"
}
trap cleanup EXIT

section() { printf '\n=== %s ===\n' "$*"; }

section "lint, generated files, unit tests"
"${MAKE_CMD[@]}" lint verify-generated test-unit
node packages/cli/dist/main.js validate deploy/samples/*.yaml examples/*.yaml

section "monitoring rules (promtool)"
"${MAKE_CMD[@]}" test-monitoring

section "services"
started_here+=(services)
scripts/services/all.sh up

section "integration tests (real services)"
"${MAKE_CMD[@]}" test-integration

section "control plane"
started_here+=(cluster)
scripts/cluster/control-plane.sh up

section "container images (buildah, podman)"
"${MAKE_CMD[@]}" test-images

section "e2e tests (real kube-apiserver)"
"${MAKE_CMD[@]}" test-e2e
