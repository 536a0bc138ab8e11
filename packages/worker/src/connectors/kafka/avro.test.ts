import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, ConnectionError, DataflowError, ErrorCode, RecordError } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import { AvroDecoder, AvroEncoder, resolveAvro } from './avro.js';
import { avroToJson, compileSchema, jsonToAvro } from './avro-json.js';
import { Section } from '../config-section.js';

const userSchema = JSON.stringify({
  type: 'record',
  name: 'User',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'email', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    { name: 'avatar', type: ['null', 'bytes'], default: null },
  ],
});

const noSecrets: SecretReader = { read: () => Promise.reject(new Error('no secrets')) };

/** A Confluent-compatible registry in memory, with basic auth `reg:pw`. */
class FakeRegistry {
  readonly schemas = new Map<number, string>();
  readonly subjects = new Map<string, number[]>();
  requests = 0;
  private server: Server | undefined;
  private nextId = 7;

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/apis/ccompat/v7`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Basic ${Buffer.from('reg:pw').toString('base64')}`) return reply(401, { error_code: 401, message: 'Unauthorized' });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '').replace('/apis/ccompat/v7', '');
      const byId = /^\/schemas\/ids\/(\d+)$/.exec(path);
      if (req.method === 'GET' && byId !== null) {
        const schema = this.schemas.get(Number(byId[1]));
        return schema === undefined ? reply(404, { error_code: 40403, message: 'Schema not found' }) : reply(200, { schema });
      }
      const versions = /^\/subjects\/([^/]+)\/versions(\/latest)?$/.exec(path);
      if (versions !== null) {
        const subject = decodeURIComponent(versions[1] as string);
        if (req.method === 'POST') {
          const { schema } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { schema: string };
          let id = [...this.schemas].find(([, text]) => text === schema)?.[0];
          if (id === undefined) {
            id = this.nextId++;
            this.schemas.set(id, schema);
          }
          this.subjects.set(subject, [...(this.subjects.get(subject) ?? []), id]);
          return reply(200, { id });
        }
        const ids = this.subjects.get(subject);
        const latest = ids?.at(-1);
        if (latest === undefined) return reply(404, { error_code: 40401, message: 'Subject not found' });
        return reply(200, { subject, version: ids?.length, id: latest, schema: this.schemas.get(latest) });
      }
      reply(404, { error_code: 404, message: 'no route' });
    });
  }
}

void describe('avro values', () => {
  void it('decodes to plain JSON: unions unwrapped, bytes as latin1 text, and encodes back', () => {
    const type = compileSchema(userSchema, 'test');
    const value = { id: 1, name: 'Ann', email: 'ann@example.com', tags: ['a'], avatar: Buffer.from([0, 255, 65]) };
    const json = avroToJson(type.fromBuffer(type.toBuffer(value)));
    assert.deepEqual(json, { id: 1, name: 'Ann', email: 'ann@example.com', tags: ['a'], avatar: '\u0000\u00ffA' });
    const again: unknown = type.fromBuffer(type.toBuffer(jsonToAvro(type, json)));
    assert.deepEqual({ ...(again as object) }, value);
  });

  void it('rejects schemas that are not JSON or not Avro with a config error naming the source', () => {
    assert.throws(() => compileSchema('{', 'kafka source: config.avroSchema'), (error: unknown) => error instanceof DataflowError && error.code === ErrorCode.config && /config\.avroSchema is not JSON/.test(error.message));
    assert.throws(() => compileSchema('{"type":"record"}', 'x'), /is not a valid Avro schema/);
  });
});

void describe('avro with a static schema', () => {
  void it('encodes JSON payloads and reports a mismatch as a record error with the field path', async () => {
    const settings = await resolveAvro(new Section({ format: 'avro', avroSchema: userSchema }, 'kafka sink'), noSecrets);
    assert.ok(settings !== undefined);
    const encoder = await AvroEncoder.create(settings, 'unused', 'kafka sink');
    const bytes = encoder.encode({ id: 5, name: 'Bo' });
    const decoder = new AvroDecoder(settings);
    await decoder.prepare([bytes]);
    assert.deepEqual(decoder.decode(bytes), { id: 5, name: 'Bo', email: null, tags: [], avatar: null });
    assert.throws(() => encoder.encode({ id: 'five', name: 'Bo' }), (error: unknown) => error instanceof RecordError && /field id "five" does not match type long/.test(error.message));
    assert.throws(() => encoder.encode(new Uint8Array([1])), /non-JSON payload/);
  });

  void it('reports undecodable bytes as DF_DECODE with the reason', () => {
    const decoder = new AvroDecoder({ staticSchema: { text: userSchema, type: compileSchema(userSchema, 'x') } });
    assert.throws(() => decoder.decode(Buffer.from('not avro at all, just text')), (error: unknown) => error instanceof DataflowError && error.code === ErrorCode.decode && /cannot decode Avro value with the static Avro schema/.test(error.message));
  });

  void it('checks the format fields', async () => {
    await assert.rejects(resolveAvro(new Section({ format: 'avro' }, 'kafka source'), noSecrets), /avro needs a schema/);
    await assert.rejects(resolveAvro(new Section({ avroSchema: userSchema }, 'kafka source'), noSecrets), /config\.avroSchema is used only with format avro/);
    await assert.rejects(resolveAvro(new Section({ format: 'avro', avroSchema: userSchema, avroSchemaFile: '/x' }, 'kafka source'), noSecrets), /cannot be combined/);
    assert.equal(await resolveAvro(new Section({}, 'kafka source'), noSecrets), undefined);
  });
});

void describe('avro with a schema registry', () => {
  const registry = new FakeRegistry();
  let url = '';
  before(async () => (url = await registry.start()));
  after(() => registry.stop());

  const config = (extra: Record<string, unknown> = {}): Section =>
    new Section({ format: 'avro', schemaRegistry: { url, basicAuth: { username: 'reg', passwordSecretRef: { name: 'reg', key: 'pw' } } }, ...extra }, 'kafka sink');
  const secrets: SecretReader = { read: () => Promise.resolve('pw') };

  void it('registers the static schema, writes the wire format and decodes it with the fetched schema once', async () => {
    const settings = await resolveAvro(config({ avroSchema: userSchema }), secrets);
    assert.ok(settings !== undefined);
    const encoder = await AvroEncoder.create(settings, 'users-value', 'kafka sink');
    const bytes = encoder.encode({ id: 9, name: 'Cy', email: 'cy@example.com' });
    assert.equal(bytes[0], 0, 'magic byte');
    const id = bytes.readUInt32BE(1);
    assert.equal(registry.subjects.get('users-value')?.at(-1), id);

    // A decoder without any static schema: everything comes from the registry.
    const decoderSettings = await resolveAvro(new Section({ format: 'avro', schemaRegistry: { url, basicAuth: { username: 'reg', password: 'pw' } } }, 'kafka source'), noSecrets);
    assert.ok(decoderSettings !== undefined);
    const decoder = new AvroDecoder(decoderSettings);
    const before = registry.requests;
    await decoder.prepare([bytes, bytes, null]);
    await decoder.prepare([bytes]);
    assert.equal(registry.requests - before, 1, 'one fetch per schema id');
    assert.deepEqual(decoder.decode(bytes), { id: 9, name: 'Cy', email: 'cy@example.com', tags: [], avatar: null });
    decoder.close();

    // The sink without a static schema uses the subject's latest schema.
    const latest = await AvroEncoder.create(await resolveAvro(config(), secrets).then((s) => s ?? assert.fail()), 'users-value', 'kafka sink');
    assert.deepEqual(latest.encode({ id: 9, name: 'Cy', email: 'cy@example.com' }), bytes);
    latest.close();
    encoder.close();
  });

  void it('fails only the records whose schema id is unknown; not-wire-format values without a static schema fail to decode', async () => {
    const settings = await resolveAvro(config(), secrets);
    assert.ok(settings !== undefined);
    const decoder = new AvroDecoder(settings);
    const unknown = Buffer.from([0, 0, 0, 0x30, 0x39, 2, 4]);
    await decoder.prepare([unknown]);
    assert.throws(() => decoder.decode(unknown), (error: unknown) => error instanceof DataflowError && error.code === ErrorCode.decode && /schema id 12345 is not known/.test(error.message));
    assert.throws(() => decoder.decode(Buffer.from('{"plain":"json"}')), /not in Confluent wire format/);
    decoder.close();
  });

  void it('rejects a missing subject and wrong credentials as config errors', async () => {
    const settings = await resolveAvro(config(), secrets);
    assert.ok(settings !== undefined);
    await assert.rejects(AvroEncoder.create(settings, 'nobody-value', 'kafka sink'), (error: unknown) => error instanceof ConfigError && /subject nobody-value has no schema/.test(error.message));
    const wrong = await resolveAvro(config(), { read: () => Promise.resolve('wrong') });
    assert.ok(wrong !== undefined);
    const decoder = new AvroDecoder(wrong);
    await assert.rejects(decoder.prepare([Buffer.from([0, 0, 0, 0, 7, 2])]), (error: unknown) => error instanceof DataflowError && !error.retriable && /HTTP 401.*basicAuth/.test(error.message));
    decoder.close();
    settings.registry?.close();
  });

  void it('a registry that cannot be reached is a retriable ConnectionError', async () => {
    const down = await resolveAvro(new Section({ format: 'avro', avroSchema: userSchema, schemaRegistry: { url: 'http://127.0.0.1:1' } }, 'kafka sink'), noSecrets);
    assert.ok(down !== undefined);
    await assert.rejects(AvroEncoder.create(down, 'x-value', 'kafka sink'), (error: unknown) => error instanceof ConnectionError && /schema registry at http:\/\/127\.0\.0\.1:1\/ is unreachable/.test(error.message));
    const decoder = new AvroDecoder(down);
    await assert.rejects(decoder.prepare([Buffer.from([0, 0, 0, 0, 7, 2])]), ConnectionError);
    decoder.close();
  });
});
