#!/usr/bin/env bash
# env.sh: print `export` lines with the connection settings of the test services (the ones the
# service scripts start), for integration tests and the benchmark:
#   source <(scripts/services/env.sh)
# packages/testkit/src/services.ts reads the same variables, with the same defaults.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SERVICE_NAME="env"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

tls="$RUN_ROOT/kafka/tls"
pg_run="$(pg_run_dir)"
emit() { printf 'export %s=%q\n' "$1" "$2"; }

emit DATAFLOW_TEST_PG_URL "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
emit DATAFLOW_TEST_PG_BIN "$(pg_bin_dir)"
emit DATAFLOW_TEST_PG_DATA "$pg_run/data"
emit DATAFLOW_TEST_KAFKA_BROKERS "127.0.0.1:$KAFKA_PORT_PLAINTEXT"
emit DATAFLOW_TEST_KAFKA_SASL_BROKERS "127.0.0.1:$KAFKA_PORT_SASL"
emit DATAFLOW_TEST_KAFKA_SSL_BROKERS "127.0.0.1:$KAFKA_PORT_SSL"
emit DATAFLOW_TEST_KAFKA_SASL_SSL_BROKERS "127.0.0.1:$KAFKA_PORT_SASL_SSL"
emit DATAFLOW_TEST_KAFKA_USER "$KAFKA_USER"
emit DATAFLOW_TEST_KAFKA_PASSWORD "$KAFKA_PASSWORD"
emit DATAFLOW_TEST_KAFKA_CA "$tls/ca.pem"
emit DATAFLOW_TEST_KAFKA_CLIENT_CERT "$tls/client.pem"
emit DATAFLOW_TEST_KAFKA_CLIENT_KEY "$tls/client.key"
emit DATAFLOW_TEST_KAFKA_PIDFILE "$RUN_ROOT/kafka/kafka.pid"
emit DATAFLOW_TEST_SCHEMA_REGISTRY "http://127.0.0.1:$APICURIO_PORT/apis/ccompat/v7"
keycloak="http://127.0.0.1:$KEYCLOAK_PORT"
emit DATAFLOW_TEST_CLICKHOUSE_URL "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT"
emit DATAFLOW_TEST_CLICKHOUSE_USER "$CLICKHOUSE_USER"
emit DATAFLOW_TEST_CLICKHOUSE_PASSWORD "$CLICKHOUSE_PASSWORD"
emit DATAFLOW_TEST_CLICKHOUSE_DATABASE default
emit DATAFLOW_TEST_TRINO_URL "http://127.0.0.1:$TRINO_PORT"
emit DATAFLOW_TEST_TRINO_HTTPS_URL "https://127.0.0.1:$TRINO_HTTPS_PORT"
emit DATAFLOW_TEST_TRINO_CA "$RUN_ROOT/trino/tls/trino.pem"
emit DATAFLOW_TEST_KEYCLOAK_URL "$keycloak"
emit DATAFLOW_TEST_KEYCLOAK_REALM "$KEYCLOAK_REALM"
emit DATAFLOW_TEST_KEYCLOAK_TOKEN_URL "$keycloak/realms/$KEYCLOAK_REALM/protocol/openid-connect/token"
# The realm of keycloak/ci-realm.json: its user and clients.
emit DATAFLOW_TEST_KEYCLOAK_USER alice
emit DATAFLOW_TEST_KEYCLOAK_PASSWORD alice-pw
emit DATAFLOW_TEST_KEYCLOAK_CLIENT_ID ci-app
emit DATAFLOW_TEST_KEYCLOAK_CLIENT_SECRET ci-app-secret
emit DATAFLOW_TEST_KEYCLOAK_PUBLIC_CLIENT_ID ci-public
emit DATAFLOW_TEST_KEYCLOAK_SERVICE_CLIENT_ID ci-service
emit DATAFLOW_TEST_KEYCLOAK_SERVICE_CLIENT_SECRET ci-service-secret
emit DATAFLOW_TEST_SERVICES_DIR "$HERE"
