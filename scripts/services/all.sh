#!/usr/bin/env bash
# all.sh up|down|restart|status [SERVICE...]: run one service script per service, ONE AFTER
# ANOTHER (parallel JVM starts on two cores are slower per service and hide which one failed).
# Default services, in start order: postgres kafka apicurio clickhouse keycloak trino (`down`
# goes in reverse order). Keycloak comes before Trino: Trino's JWT mode reads Keycloak's keys, and
# two JVMs starting together on two cores are both slow. Name services to act on only those.
# `up` stops at the first service that fails; `status` exits non-zero when one is not reachable.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME=all
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

action="${1:-}"
case "$action" in up|down|restart|status) ;; *) echo "usage: $0 up|down|restart|status [postgres|kafka|apicurio|clickhouse|keycloak|trino...]" >&2; exit 2 ;; esac
shift
services=("$@")
[ ${#services[@]} -gt 0 ] || services=(postgres kafka apicurio clickhouse keycloak trino)
for s in "${services[@]}"; do
  [ -x "$HERE/$s.sh" ] || die "unknown service '$s' (no $HERE/$s.sh)"
done
if [ "$action" = down ]; then
  reversed=()
  for s in "${services[@]}"; do reversed=("$s" "${reversed[@]}"); done
  services=("${reversed[@]}")
fi

status=0
for s in "${services[@]}"; do
  started=$SECONDS
  if [ "$action" = status ]; then
    "$HERE/$s.sh" status || status=1
    continue
  fi
  "$HERE/$s.sh" "$action" || die "$s: '$action' failed (see above)"
  log "$s $action took $((SECONDS - started))s"
done
[ "$action" = status ] || log "all done in ${SECONDS}s: ${services[*]}"
exit "$status"
