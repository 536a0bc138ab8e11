// The data services an e2e flow reads and writes: Kafka (plaintext listener) and PostgreSQL from
// scripts/services (settings from `source <(scripts/services/env.sh)`, same defaults as
// @dataflow/testkit's testServices()). Topics, tables and login roles are created per test.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { TestContext } from 'node:test';
import kafkajs from 'kafkajs';
import { Client } from 'pg';
import type { QueryResultRow } from 'pg';
import { requireService } from './require-service.js';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
const { Kafka, logLevel } = kafkajs;

export const kafkaBrokers = (process.env['DATAFLOW_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',');
export const pgUrl = process.env['DATAFLOW_TEST_PG_URL'] ?? 'postgresql://postgres:postgres@127.0.0.1:15432/test';

function tcpProbe(hostPort: string): Promise<void> {
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at);
  const port = Number(hostPort.slice(at + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(3000, () => socket.destroy(new Error(`no answer from ${hostPort} within 3 s`)));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** Kafka and PostgreSQL answer, else the test is skipped (outside CI) or fails (CI=true). */
export async function requireKafkaAndPostgres(t: TestContext): Promise<boolean> {
  return requireService(
    t,
    'Kafka and PostgreSQL',
    async () => {
      await tcpProbe(kafkaBrokers[0] ?? '');
      await withPg((pg) => pg.query('SELECT 1'));
    },
    'scripts/services/all.sh up postgres kafka && source <(scripts/services/env.sh)',
  );
}

/** A name unique to this run, usable as a topic, table or role (lower case, digits, underscores). */
export function uniqueIdent(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

function kafka(): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'dataflow-e2e', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopic(topic: string): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

/** Produces JSON values `{id, name}` for ids from..to (inclusive), keyed by id so they spread over partitions. */
export async function produceRows(topic: string, from: number, to: number): Promise<void> {
  const producer = kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = [];
    for (let id = from; id <= to; id++) messages.push({ key: `k${id}`, value: JSON.stringify({ id, name: `row-${id}` }) });
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

export async function withPg<T>(body: (pg: Client) => Promise<T>, url = pgUrl): Promise<T> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    return await body(pg);
  } finally {
    await pg.end();
  }
}

export async function query<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  return withPg(async (pg) => (await pg.query<R>(sql, params)).rows);
}

/** A login role with its own random password, allowed to write `table`: a secret value nothing else contains. */
export async function createLoginRole(role: string, table: string): Promise<string> {
  const password = `pw${randomBytes(12).toString('hex')}`;
  await withPg(async (pg) => {
    await pg.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await pg.query(`GRANT SELECT, INSERT, UPDATE ON ${table} TO ${role}`);
  });
  return password;
}

export async function dropLoginRole(role: string, table: string): Promise<void> {
  await withPg(async (pg) => {
    await pg.query(`REVOKE ALL ON ${table} FROM ${role}`).catch(() => undefined);
    await pg.query(`DROP ROLE IF EXISTS ${role}`);
  });
}

/** postgresql://<user>:<password>@<host:port>/<db> with the test server's address and database. */
export function pgUrlFor(user: string, password: string, query = ''): string {
  const url = new URL(pgUrl);
  url.username = user;
  url.password = password;
  url.search = query;
  return url.toString();
}
