// Avro record values: the schema sources of a Kafka source or sink (a static schema from the
// config, a file or a Secret; the Confluent Schema Registry), decoding for the source and encoding
// for the sink. Confluent wire format = magic byte 0, 4-byte big-endian schema id, Avro body.
//
// Decoding is split in two so the hot path stays synchronous: `prepare` fetches the schemas a read
// batch needs (one request per unknown id, cached by id — registry ids are immutable), then
// `decode` runs per record. A record that cannot be decoded throws DF_DECODE and the source hands
// it to the runtime as undecodable (it is dead-lettered, never silently committed — upstream
// dropped it, §9.4 item 27); a registry that cannot be reached throws a retriable ConnectionError.
import { KAFKA_FORMATS } from '@dataflow/api';
import type { Type } from 'avsc';
import { ConfigError, DataflowError, ErrorCode, RecordError, errorMessage } from '../../errors.js';
import type { JsonValue, Payload } from '../../message.js';
import { isRaw } from '../../message.js';
import type { SecretReader } from '../../plugin.js';
import { avroToJson, compileSchema, describeMismatch, hasBinaryFields, jsonToAvro } from './avro-json.js';
import { SchemaNotFoundError, SchemaRegistryClient } from './schema-registry.js';
import type { Section } from '../config-section.js';
import { loadTls } from '../tls.js';

const MAGIC_BYTE = 0;
const WIRE_HEADER_BYTES = 5;

export interface StaticSchema {
  readonly text: string;
  readonly type: Type;
}

export interface AvroSettings {
  readonly staticSchema?: StaticSchema;
  readonly registry?: SchemaRegistryClient;
  /** Most schemas kept per registry client; absent = no limit. */
  readonly cacheSize?: number;
}

/** `format` of the config; avro settings only with `format: avro` (and then at least one schema source). */
export async function resolveAvro(config: Section, secrets: SecretReader): Promise<AvroSettings | undefined> {
  const format = config.optionalEnum('format', KAFKA_FORMATS) ?? 'json';
  const avroFields = ['avroSchema', 'avroSchemaFile', 'avroSchemaSecretRef', 'schemaRegistry'].filter((field) => config.has(field));
  if (format !== 'avro') {
    const [first] = avroFields;
    if (first !== undefined) throw config.fail(first, 'is used only with format avro: set format: avro, or remove it');
    return undefined;
  }
  const staticSchema = await loadStaticSchema(config, secrets);
  const registrySection = config.section('schemaRegistry');
  if (staticSchema === undefined && registrySection === undefined) {
    throw config.fail('format', 'avro needs a schema: set avroSchema, avroSchemaFile, avroSchemaSecretRef or schemaRegistry');
  }
  let registry: SchemaRegistryClient | undefined;
  let cacheSize: number | undefined;
  if (registrySection !== undefined) {
    const url = await registrySection.stringOrSecret('url', secrets);
    if (url === undefined) throw registrySection.fail('url', 'is required: set url or urlSecretRef');
    const auth = registrySection.section('basicAuth');
    const username = auth === undefined ? undefined : await auth.stringOrSecret('username', secrets);
    const password = auth === undefined ? undefined : await auth.stringOrSecret('password', secrets);
    if (auth !== undefined && (username === undefined) !== (password === undefined)) {
      // Upstream silently called the registry without auth here.
      throw auth.fail(username === undefined ? 'username' : 'password', 'is required when the other basic-auth credential is set');
    }
    const tlsSection = registrySection.section('tls');
    const tls = tlsSection === undefined ? undefined : await loadTls(tlsSection, secrets);
    cacheSize = registrySection.optionalInteger('cacheSize', 1);
    try {
      registry = new SchemaRegistryClient({
        url,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        ...(tls === undefined ? {} : { tls }),
      });
    } catch (error) {
      throw registrySection.fail('url', `is not usable: ${errorMessage(error)}`);
    }
  }
  return {
    ...(staticSchema === undefined ? {} : { staticSchema }),
    ...(registry === undefined ? {} : { registry }),
    ...(cacheSize === undefined ? {} : { cacheSize }),
  };
}

async function loadStaticSchema(config: Section, secrets: SecretReader): Promise<StaticSchema | undefined> {
  const sources = ['avroSchema', 'avroSchemaFile', 'avroSchemaSecretRef'].filter((field) => config.has(field));
  if (sources.length > 1) throw config.fail(sources[1] as string, `cannot be combined with ${sources[0]}: set one schema source`);
  const [field] = sources;
  if (field === undefined) return undefined;
  let text: string | undefined;
  if (field === 'avroSchemaFile') {
    text = await config.fileOrSecret('avroSchema', secrets);
  } else {
    text = await config.stringOrSecret('avroSchema', secrets);
  }
  if (text === undefined) return undefined;
  const type = compileSchema(text, `${config.owner}: config.${config.fieldPath(field)}`);
  return { text, type };
}

/** Least-recently-used map of compiled schemas by registry id. */
class SchemaCache {
  private readonly entries = new Map<number, Type>();
  private readonly limit: number;

  constructor(limit = Infinity) {
    this.limit = limit;
  }

  get(id: number): Type | undefined {
    const type = this.entries.get(id);
    if (type !== undefined && this.limit !== Infinity) {
      this.entries.delete(id);
      this.entries.set(id, type);
    }
    return type;
  }

  set(id: number, type: Type): void {
    this.entries.delete(id);
    this.entries.set(id, type);
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
}

function isWireFormat(bytes: Uint8Array): boolean {
  return bytes.length > WIRE_HEADER_BYTES && bytes[0] === MAGIC_BYTE;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeError(message: string, cause?: unknown): DataflowError {
  return new DataflowError(ErrorCode.decode, message, false, cause === undefined ? undefined : { cause });
}

export class AvroDecoder {
  private readonly staticType: Type | undefined;
  private readonly registry: SchemaRegistryClient | undefined;
  private readonly cache: SchemaCache;
  /** Ids the last `prepare` could not resolve, with the reason (a per-record decode error). */
  private unresolved = new Map<number, DataflowError>();

  constructor(settings: AvroSettings) {
    this.staticType = settings.staticSchema?.type;
    this.registry = settings.registry;
    this.cache = new SchemaCache(settings.cacheSize);
  }

  /**
   * Fetches the registry schemas that `values` refer to and are not cached. Rejects with a
   * ConnectionError when the registry is unreachable (retry the same records later) and with a
   * config error when it refuses us; an id it does not know only fails the records that use it.
   */
  async prepare(values: Iterable<Uint8Array | null>): Promise<void> {
    this.unresolved = new Map();
    const registry = this.registry;
    if (registry === undefined) return;
    const wanted = new Set<number>();
    for (const value of values) {
      if (value === null || !isWireFormat(value)) continue;
      const id = toBuffer(value).readUInt32BE(1);
      if (this.cache.get(id) === undefined) wanted.add(id);
    }
    for (const id of wanted) {
      try {
        const text = await registry.schemaById(id);
        this.cache.set(id, compileSchema(text, `schema id ${id} from the schema registry`, ErrorCode.decode));
      } catch (error) {
        if (error instanceof SchemaNotFoundError || (error instanceof DataflowError && error.code === ErrorCode.decode)) {
          this.unresolved.set(id, error);
        } else {
          throw error;
        }
      }
    }
  }

  /** Rejects with a ConnectionError when the registry (if any) cannot be reached. */
  async checkRegistry(): Promise<void> {
    await this.registry?.checkReachable();
  }

  /** Decodes one record value (after `prepare` saw it); throws DF_DECODE with the reason. */
  decode(value: Uint8Array): JsonValue {
    const bytes = toBuffer(value);
    let type = this.staticType;
    let body = bytes;
    let what = 'the static Avro schema';
    if (this.registry !== undefined && isWireFormat(bytes)) {
      const id = bytes.readUInt32BE(1);
      const failure = this.unresolved.get(id);
      if (failure !== undefined) throw decodeError(`cannot decode Avro value: ${failure.message}`, failure);
      type = this.cache.get(id);
      if (type === undefined) throw decodeError(`cannot decode Avro value: schema id ${id} was not fetched`);
      body = bytes.subarray(WIRE_HEADER_BYTES);
      what = `registry schema id ${id}`;
    } else if (type === undefined) {
      throw decodeError('cannot decode Avro value: it is not in Confluent wire format (magic byte 0 + schema id) and no static schema is configured');
    }
    try {
      return avroToJson(type.fromBuffer(body));
    } catch (error) {
      throw decodeError(`cannot decode Avro value with ${what}: ${errorMessage(error)}`, error);
    }
  }

  close(): void {
    this.registry?.close();
  }
}

export class AvroEncoder {
  private readonly type: Type;
  private readonly header: Buffer | undefined;
  private readonly binary: boolean;
  private readonly registry: SchemaRegistryClient | undefined;

  private constructor(type: Type, schemaId: number | undefined, registry: SchemaRegistryClient | undefined) {
    this.type = type;
    this.binary = hasBinaryFields(type);
    this.registry = registry;
    if (schemaId !== undefined) {
      const header = Buffer.alloc(WIRE_HEADER_BYTES);
      header[0] = MAGIC_BYTE;
      header.writeUInt32BE(schemaId, 1);
      this.header = header;
    }
  }

  /**
   * With a registry: registers the static schema under `subject` (the same schema keeps its id),
   * or without one uses the subject's latest schema. Without a registry: raw Avro, static schema.
   */
  static async create(settings: AvroSettings, subject: string, owner: string): Promise<AvroEncoder> {
    const { registry, staticSchema } = settings;
    if (registry === undefined) {
      if (staticSchema === undefined) throw new ConfigError(`${owner}: format avro needs a schema`);
      return new AvroEncoder(staticSchema.type, undefined, undefined);
    }
    if (staticSchema !== undefined) {
      const id = await registry.register(subject, staticSchema.text);
      return new AvroEncoder(staticSchema.type, id, registry);
    }
    try {
      const latest = await registry.latest(subject);
      return new AvroEncoder(compileSchema(latest.schema, `${owner}: schema of subject ${subject}`), latest.id, registry);
    } catch (error) {
      if (error instanceof SchemaNotFoundError) {
        throw new ConfigError(`${owner}: ${error.message}; register a schema for it or set avroSchema so the sink registers one`, { cause: error });
      }
      throw error;
    }
  }

  /** The payload in Avro (wire format with a registry); a RecordError when it does not fit the schema. */
  encode(payload: Payload): Buffer {
    if (isRaw(payload)) throw new RecordError('cannot encode a non-JSON payload as Avro: the value is raw bytes');
    const value = this.binary ? jsonToAvro(this.type, payload) : payload;
    let body: Buffer;
    try {
      body = this.type.toBuffer(value);
    } catch (error) {
      throw new RecordError(`payload does not match the Avro schema: ${describeMismatch(this.type, value)}`, { cause: error });
    }
    return this.header === undefined ? body : Buffer.concat([this.header, body]);
  }

  close(): void {
    this.registry?.close();
  }
}
