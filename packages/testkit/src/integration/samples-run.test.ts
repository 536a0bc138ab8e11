// `dataflow run` of the Kafka → PostgreSQL samples in deploy/samples, adapted to the local test
// services (brokers, URLs, unique topic/table/group; TLS with the test CA): produce N records, run
// the CLI until the table holds N rows, Ctrl-C (SIGINT) → the flow drains, exits 0 and prints its
// summary. Covers the plain sample, the SASL/TLS one with every detail in Secrets (files under
// --secrets-dir) and the Avro one with the Schema Registry.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { serviceSkipReason } from '../services.js';
import { waitFor } from '../wait-for.js';
import { dataflowRun, loadSample, runSampleUntil, writeSample, writeSecretsDir } from './cli-run.js';
import type { Doc } from './cli-run.js';
import { createTopic, kafkaAvailable, produce, uniqueName as uniqueTopic } from './kafka-helpers.js';
import { count, pgUrl, postgresAvailable, services, sql, uniqueName as uniqueTable } from './postgresql-helpers.js';

const available = (await kafkaAvailable()) && (await postgresAvailable());

/** Runs until `rows` rows are in `table`, then SIGINT; asserts exit 0, the summary and the count. */
async function runUntilRows(file: string, dir: string, table: string, rows: number, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const summary = await runSampleUntil(file, dir, { done: async () => (await count(table)) >= rows, what: `${rows} rows in ${table}`, records: rows, sinkType: 'postgresql', extraArgs, env });
  assert.equal(await count(table), rows, 'every record once');
  return summary;
}

if (!available) {
  void it('dataflow run of the kafka samples', (t) => t.skip(serviceSkipReason('kafka and postgresql', `${services.kafkaBrokers}, ${new URL(pgUrl).host}`)));
} else {
  void describe('dataflow run of the Kafka → PostgreSQL samples against the local services', { timeout: 150_000 }, () => {
    const tables: string[] = [];
    const dirs: string[] = [];
    after(async () => {
      if (tables.length > 0) await sql(`DROP TABLE IF EXISTS ${tables.join(', ')}`);
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });
    async function workDir(): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), 'df-samples-'));
      dirs.push(dir);
      return dir;
    }

    void it('kafka-to-postgres.yaml moves every record, then drains on Ctrl-C', async () => {
      const { docs, flow } = await loadSample('kafka-to-postgres.yaml');
      const topic = uniqueTopic('df-sample');
      const table = uniqueTable('sample_plain');
      tables.push(table);
      Object.assign(flow.spec.source.config, { brokers: services.kafkaBrokers.split(','), topic, consumerGroup: uniqueTopic('df-sample-group') });
      Object.assign(flow.spec.sink.config, { connectionString: pgUrl, table });
      await createTopic(topic, 3);
      await sql(`CREATE TABLE ${table} (id bigint, category text, value double precision, ts bigint)`);
      const n = 2500;
      await produce(topic, Array.from({ length: n }, (_, id) => ({ key: `k${id}`, value: JSON.stringify({ id, category: `c${id % 5}`, value: id * 1.5, ts: Date.now() }) })));
      const dir = await workDir();
      const file = await writeSample(dir, 'kafka-to-postgres.yaml', docs);
      await runUntilRows(file, dir, table, n);
      const [row] = await sql<{ ids: number; sum: number }>(`SELECT count(DISTINCT id)::int AS ids, sum(value)::float8 AS sum FROM ${table}`);
      assert.deepEqual(row, { ids: n, sum: (1.5 * (n - 1) * n) / 2 });
    });

    void it('kafka-to-postgres-secrets.yaml over SASL_SSL (SCRAM-SHA-512, the test CA) with every detail in Secret files, upserting', async () => {
      const { docs, flow } = await loadSample('kafka-to-postgres-secrets.yaml');
      const topic = uniqueTopic('df-sample-sasl');
      const table = uniqueTable('sample_sasl');
      tables.push(table);
      // The sample speaks SASL_PLAINTEXT; the TLS variant adds the CA and switches the protocol.
      Object.assign(flow.spec.source.config, { securityProtocol: 'SASL_SSL', tls: { caFile: services.kafkaCa } });
      await createTopic(topic, 2);
      await sql(`CREATE TABLE ${table} (order_id bigint PRIMARY KEY, status text, amount numeric)`);
      const n = 1200;
      // Every order twice: the second status wins (upsert on order_id).
      const records = [0, 1].flatMap((round) => Array.from({ length: n }, (_, id) => ({ key: `o${id}`, value: JSON.stringify({ order_id: id, status: round === 0 ? 'new' : 'paid', amount: id / 100 }) })));
      await produce(topic, records);
      const dir = await workDir();
      const secretsDir = await writeSecretsDir(dir, {
        'kafka-credentials': { brokers: services.kafkaSaslSslBrokers, topic, username: services.kafkaUser, password: services.kafkaPassword },
        'postgres-credentials': { connectionString: pgUrl, table },
      });
      const file = await writeSample(dir, 'kafka-to-postgres-secrets.yaml', docs);
      const cli = dataflowRun(file, dir, ['--secrets-dir', secretsDir]);
      try {
        await waitFor(async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE status = 'paid'`))[0]?.n === n, {
          timeoutMs: 45_000,
          intervalMs: 250,
          what: `${n} paid orders`,
        }).catch((error: unknown) => assert.fail(`${(error as Error).message}\n--- stderr ---\n${cli.stderr().slice(-3000)}`));
        assert.equal(await cli.interrupt(), 0, cli.stderr());
      } finally {
        cli.kill();
      }
      assert.match(cli.stderr(), /stopped \(drained after a signal\)/);
      assert.match(cli.stderr(), /read\s+2,400\b/);
      assert.doesNotMatch(cli.stderr(), new RegExp(services.kafkaPassword), 'the password never reaches the output');
      assert.equal(await count(table), n);
    });

    void it('kafka-avro-schema-registry.yaml decodes Confluent-framed Avro through the registry and auto-creates the table', async (t) => {
      const registryUp = await fetch(`${services.schemaRegistry}/subjects`).then((r) => r.ok, () => false);
      if (!registryUp) {
        assert.notEqual(process.env['CI'], 'true', `the Schema Registry at ${services.schemaRegistry} is not running`);
        return t.skip(serviceSkipReason('schema registry', services.schemaRegistry));
      }
      const { docs, flow } = await loadSample('kafka-avro-schema-registry.yaml');
      const topic = uniqueTopic('df-sample-avro');
      const table = uniqueTable('sample_avro');
      tables.push(table);
      const registryConfig = flow.spec.source.config['schemaRegistry'] as Doc;
      registryConfig['url'] = services.schemaRegistry;
      Object.assign(flow.spec.source.config, { brokers: services.kafkaBrokers.split(','), topic });
      Object.assign(flow.spec.sink.config, { connectionString: pgUrl, table });
      await createTopic(topic, 1);
      const schema = JSON.stringify({
        type: 'record',
        name: 'Payment',
        namespace: 'dataflow.samples',
        fields: [
          { name: 'paymentId', type: 'long' },
          { name: 'payerName', type: 'string' },
          { name: 'amountCents', type: 'long' },
        ],
      });
      const registry = new SchemaRegistry({ host: services.schemaRegistry });
      const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: `${topic}-value` });
      const n = 300;
      const values = await Promise.all(Array.from({ length: n }, (_, i) => registry.encode(id, { paymentId: i, payerName: `payer ${i}`, amountCents: i * 100 })));
      await produce(topic, values.map((value) => ({ value })));
      const dir = await workDir();
      const file = await writeSample(dir, 'kafka-avro-schema-registry.yaml', docs);
      // The sample's basic-auth Secret, from the environment this time (the registry here has no auth).
      await runUntilRows(file, dir, table, n, [], {
        DATAFLOW_SECRET_SCHEMA_REGISTRY_CREDENTIALS_USERNAME: 'dataflow',
        DATAFLOW_SECRET_SCHEMA_REGISTRY_CREDENTIALS_PASSWORD: 'change-me',
      });
      const rows = await sql(`SELECT payment_id::int AS payment_id, payer_name, amount_cents::int AS amount_cents FROM ${table} WHERE payment_id = 7`);
      assert.deepEqual(rows, [{ payment_id: 7, payer_name: 'payer 7', amount_cents: 700 }], 'snakeCase columns, auto-created');
    });
  });
}
