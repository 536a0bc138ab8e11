#!/usr/bin/env bash
# Checks and unit-tests the Prometheus alert rules with promtool (test-env.md §8): promtool comes
# from Debian's `prometheus` package, downloaded (not installed: no daemon) and unpacked into the
# cache once. Usage: scripts/promtool.sh            check + test deploy/monitoring rules
#                    scripts/promtool.sh <args…>    run promtool itself with these arguments
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROM_DIR="${DATAFLOW_CACHE:-$HOME/.cache/dataflow}/prometheus-deb"
PROMTOOL="$PROM_DIR/root/usr/bin/promtool"

if [ ! -x "$PROMTOOL" ]; then
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
    || { echo "promtool.sh: needs apt-get and dpkg-deb (Debian/Ubuntu) to fetch promtool" >&2; exit 1; }
  mkdir -p "$PROM_DIR"
  ( cd "$PROM_DIR" && apt-get download prometheus >&2 )
  deb="$(ls "$PROM_DIR"/prometheus_*.deb | head -1)"
  dpkg-deb -x "$deb" "$PROM_DIR/root"
fi

if [ "$#" -gt 0 ]; then
  exec "$PROMTOOL" "$@"
fi
"$PROMTOOL" --version 2>&1 | head -1
"$PROMTOOL" check rules "$ROOT/deploy/monitoring/prometheus-rules.yaml"
"$PROMTOOL" test rules "$ROOT/deploy/monitoring/prometheus-rules.test.yaml"
