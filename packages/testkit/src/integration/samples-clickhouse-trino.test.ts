// `dataflow run` of the ClickHouse and Trino samples in deploy/samples, adapted to the local test
// services (URLs, unique topic/table names; passwords and client secrets as Secret files under
// --secrets-dir; the test CA for Trino's HTTPS listener): put N rows in, run the CLI until the sink
// holds N, Ctrl-C → the flow drains, exits 0 and its summary counts N read, written, committed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { serviceSkipReason } from '../services.js';
import { loadSample, runSampleUntil, writeSample, writeSecretsDir } from './cli-run.js';
import { chCount, chQuery, chRows, clickhouseAvailable, services, uniqueTable as uniqueChTable } from './clickhouse-helpers.js';
import { createTopic, jsonValues, kafkaAvailable, produce, readTopic, uniqueName as uniqueTopic } from './kafka-helpers.js';
import { topicSize } from './topic-size.js';
import { count, postgresAvailable, sql, uniqueName as uniquePgTable } from './postgresql-helpers.js';
import { trinoAvailable, trinoJwtAvailable, trinoRows, uniqueTable as uniqueTrinoTable } from './trino-helpers.js';

const available = (await kafkaAvailable()) && (await postgresAvailable()) && (await clickhouseAvailable()) && (await trinoAvailable()) && (await trinoJwtAvailable());

if (!available) {
  void it('dataflow run of the clickhouse and trino samples', (t) => t.skip(serviceSkipReason('kafka, postgresql, clickhouse, trino, keycloak', 'the local test services')));
} else {
  void describe('dataflow run of the ClickHouse and Trino samples against the local services', { timeout: 170_000 }, () => {
    const chTables: string[] = [];
    const trinoTables: string[] = [];
    const pgTables: string[] = [];
    const dirs: string[] = [];
    after(async () => {
      for (const table of chTables) await chQuery(`DROP TABLE IF EXISTS ${table}`);
      for (const table of trinoTables) await trinoRows(`DROP TABLE IF EXISTS memory.default.${table}`);
      if (pgTables.length > 0) await sql(`DROP TABLE IF EXISTS ${pgTables.join(', ')}`);
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });
    async function workDir(): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), 'df-samples-h3-'));
      dirs.push(dir);
      return dir;
    }
    const clickhouseUrl = `${services.clickhouseUrl.replace(/\/$/, '')}/${services.clickhouseDatabase}`;

    void it('kafka-to-clickhouse.yaml: snake_cased JSON records land in an auto-created table', async () => {
      const { docs, flow } = await loadSample('kafka-to-clickhouse.yaml');
      const topic = uniqueTopic('h3-sample-ch');
      const table = uniqueChTable('h3_sample_events');
      chTables.push(table);
      Object.assign(flow.spec.source.config, { brokers: services.kafkaBrokers.split(','), topic });
      Object.assign(flow.spec.sink.config, { connectionString: clickhouseUrl, user: services.clickhouseUser, table, batchFlushIntervalSeconds: 0.5 });
      await createTopic(topic, 2);
      const n = 3000;
      await produce(topic, Array.from({ length: n }, (_, i) => ({ key: `e${i}`, value: JSON.stringify({ eventId: i, userName: `user ${i % 13}`, amountCents: i * 3 }) })));
      const dir = await workDir();
      const secretsDir = await writeSecretsDir(dir, { 'clickhouse-credentials': { password: services.clickhousePassword } });
      const file = await writeSample(dir, 'kafka-to-clickhouse.yaml', docs);
      const summary = await runSampleUntil(file, dir, { done: async () => (await chCount(table)) >= n, what: `${n} rows in ClickHouse ${table}`, records: n, sinkType: 'clickhouse', extraArgs: ['--secrets-dir', secretsDir] });
      assert.doesNotMatch(summary, new RegExp(services.clickhousePassword), 'the password never reaches the output');
      assert.deepEqual(await chRows(`SELECT count() AS rows, uniqExact(event_id) AS ids, toString(sum(amount_cents)) AS total FROM ${table}`), [
        { rows: `${n}`, ids: `${n}`, total: String((3 * (n - 1) * n) / 2) },
      ]);
    });

    void it('clickhouse-to-kafka.yaml: every row of the table is published once, keyed by order_id', async () => {
      const { docs, flow } = await loadSample('clickhouse-to-kafka.yaml');
      const table = uniqueChTable('h3_sample_orders');
      const topic = uniqueTopic('h3-sample-from-ch');
      chTables.push(table);
      await chQuery(`CREATE TABLE ${table} (order_id UInt64, customer String, amount Float64, updated_at DateTime) ENGINE = MergeTree ORDER BY order_id`);
      const n = 2500;
      // Many rows share an updated_at second: the (updated_at, order_id) cursor must not skip any.
      await chQuery(`INSERT INTO ${table} SELECT number, concat('customer ', toString(number % 17)), number / 4, toDateTime('2026-01-01 00:00:00') + intDiv(number, 100) FROM system.numbers LIMIT ${n}`);
      await createTopic(topic, 3);
      Object.assign(flow.spec.source.config, { connectionString: clickhouseUrl, user: services.clickhouseUser, table, pollInterval: 1, readBatchSize: 1000 });
      Object.assign(flow.spec.sink.config, { brokers: services.kafkaBrokers.split(','), topic });
      const dir = await workDir();
      const secretsDir = await writeSecretsDir(dir, { 'clickhouse-reader': { password: services.clickhousePassword } });
      const file = await writeSample(dir, 'clickhouse-to-kafka.yaml', docs);
      await runSampleUntil(file, dir, { done: async () => (await topicSize(topic)) >= n, what: `${n} records in topic ${topic}`, records: n, sinkType: 'kafka', extraArgs: ['--secrets-dir', secretsDir] });
      const records = await readTopic(topic);
      assert.equal(records.length, n, 'every row once');
      const values = jsonValues(records) as Array<{ order_id: unknown; customer: string }>;
      assert.equal(new Set(values.map((v) => String(v.order_id))).size, n);
      const sample = records.find((r) => String((JSON.parse(r.value?.toString('utf8') ?? '{}') as { order_id?: unknown }).order_id) === '42');
      assert.equal(sample?.key?.toString('utf8'), '42', 'keyed by order_id');
      assert.equal((JSON.parse(sample.value?.toString('utf8') ?? '{}') as { customer?: string }).customer, 'customer 8');
    });

    void it('trino-to-postgres.yaml: the query rows are upserted into PostgreSQL', async () => {
      const { docs, flow } = await loadSample('trino-to-postgres.yaml');
      const table = uniqueTrinoTable('h3_sample_shipments');
      const pgTable = uniquePgTable('h3_sample_shipments');
      trinoTables.push(table);
      pgTables.push(pgTable);
      await trinoRows(`CREATE TABLE memory.default.${table} (shipment_id bigint, carrier varchar, weight_kg double, shipped_at timestamp(3))`);
      const n = 2000;
      // 50 'test' rows are filtered out by the sample's query.
      await trinoRows(
        `INSERT INTO memory.default.${table} SELECT s, CASE WHEN s % 40 = 0 THEN 'test' ELSE 'carrier-' || CAST(s % 5 AS varchar) END, CAST(s AS double) / 8, TIMESTAMP '2026-01-01 00:00:00' + s / 100 * INTERVAL '1' SECOND FROM UNNEST(sequence(0, ${n - 1})) AS t(s)`,
      );
      const expected = n - n / 40;
      await sql(`CREATE TABLE ${pgTable} (shipment_id bigint PRIMARY KEY, carrier text, weight_kg double precision, shipped_at timestamp)`);
      Object.assign(flow.spec.source.config, {
        serverURL: services.trinoUrl,
        table,
        query: `SELECT shipment_id, carrier, weight_kg, shipped_at FROM ${table} WHERE carrier <> 'test'`,
        pollInterval: 1,
        readBatchSize: 700,
      });
      Object.assign(flow.spec.sink.config, { connectionString: services.pgUrl, table: pgTable });
      const dir = await workDir();
      const file = await writeSample(dir, 'trino-to-postgres.yaml', docs);
      await runSampleUntil(file, dir, { done: async () => (await count(pgTable)) >= expected, what: `${expected} rows in PostgreSQL ${pgTable}`, records: expected, sinkType: 'postgresql' });
      assert.deepEqual(await sql(`SELECT count(*)::int AS rows, count(*) FILTER (WHERE carrier = 'test')::int AS test, sum(weight_kg)::float8 AS weight FROM ${pgTable}`), [
        { rows: expected, test: 0, weight: Array.from({ length: n }, (_, s) => s).filter((s) => s % 40 !== 0).reduce((a, s) => a + s / 8, 0) },
      ]);
      assert.deepEqual(await sql(`SELECT carrier, weight_kg, shipped_at::text AS shipped_at FROM ${pgTable} WHERE shipment_id = 1234`), [{ carrier: 'carrier-4', weight_kg: 154.25, shipped_at: '2026-01-01 00:00:12' }]);
    });

    void it('kafka-to-trino-keycloak.yaml: over HTTPS with a client-credentials token from Keycloak', async () => {
      const { docs, flow } = await loadSample('kafka-to-trino-keycloak.yaml');
      const topic = uniqueTopic('h3-sample-trino');
      const table = uniqueTrinoTable('h3_sample_orders');
      trinoTables.push(table);
      await trinoRows(`CREATE TABLE memory.default.${table} (order_id bigint, status varchar, amount double)`);
      await createTopic(topic, 2);
      const n = 1500;
      await produce(topic, Array.from({ length: n }, (_, i) => ({ key: `o${i}`, value: JSON.stringify({ order_id: i, status: i % 3 === 0 ? 'paid' : 'new', amount: i / 2 }) })));
      Object.assign(flow.spec.source.config, { brokers: services.kafkaBrokers.split(','), topic });
      const keycloak = flow.spec.sink.config['keycloak'] as Record<string, unknown>;
      Object.assign(keycloak, { serverURL: services.keycloakUrl, realm: services.keycloakRealm, clientID: services.keycloakClientId });
      Object.assign(flow.spec.sink.config, { serverURL: services.trinoHttpsUrl, catalog: 'memory', schema: 'default', table, tls: { caFile: services.trinoCa }, batchSize: 500, batchFlushIntervalSeconds: 0.5 });
      const dir = await workDir();
      const secretsDir = await writeSecretsDir(dir, { 'trino-keycloak': { clientSecret: services.keycloakClientSecret } });
      const file = await writeSample(dir, 'kafka-to-trino-keycloak.yaml', docs);
      const trinoCount = async (): Promise<number> => Number((await trinoRows(`SELECT count(*) FROM memory.default.${table}`))[0]?.[0]);
      const summary = await runSampleUntil(file, dir, { done: async () => (await trinoCount()) >= n, what: `${n} rows in Trino ${table}`, records: n, sinkType: 'trino', extraArgs: ['--secrets-dir', secretsDir] });
      assert.doesNotMatch(summary, new RegExp(services.keycloakClientSecret), 'the client secret never reaches the output');
      assert.deepEqual(await trinoRows(`SELECT count(*), count(DISTINCT order_id), count_if(status = 'paid'), sum(amount) FROM memory.default.${table}`), [[n, n, n / 3, ((n - 1) * n) / 4]]);
    });
  });
}
