// A small client for the Confluent Schema Registry REST API (also served by Apicurio's ccompat
// API): fetch a schema by id, register a schema under a subject, read a subject's latest schema.
// Written over node:http(s) rather than a client library so that TLS (CA, client certificate,
// verification) and basic auth are ours to set, failures are classified precisely (an unknown
// schema id is a property of one record; a registry that is down is retriable), and no hidden
// retry loop delays a clear error.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ConnectionError, DataflowError, ErrorCode, errorMessage } from '../../errors.js';
import { CERTIFICATE_CODES } from './errors.js';
import type { TlsMaterial } from '../tls.js';
import { tlsConnectionOptions } from '../tls.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface SchemaRegistrySettings {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** TLS for an https:// registry; absent: verify against the system trust store. */
  readonly tls?: TlsMaterial;
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
}

/** The registry answered that a schema id or subject does not exist (HTTP 404). */
export class SchemaNotFoundError extends DataflowError {
  constructor(message: string) {
    super(ErrorCode.decode, message, false);
    this.name = 'SchemaNotFoundError';
  }
}

export interface RegisteredSchema {
  readonly id: number;
  readonly schema: string;
}

interface RegistryReply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export class SchemaRegistryClient {
  private readonly base: URL;
  private readonly authorization: string | undefined;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly timeoutMs: number;
  private readonly secure: boolean;

  constructor(settings: SchemaRegistrySettings) {
    this.base = new URL(settings.url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new DataflowError(ErrorCode.config, `schema registry url must be http:// or https://, got ${settings.url}`, false);
    }
    this.secure = this.base.protocol === 'https:';
    this.authorization =
      settings.username !== undefined && settings.password !== undefined
        ? `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`
        : undefined;
    this.agent = this.secure
      ? new HttpsAgent({ keepAlive: true, ...(settings.tls === undefined ? { minVersion: 'TLSv1.2' } : tlsConnectionOptions(settings.tls)) })
      : new HttpAgent({ keepAlive: true });
    this.timeoutMs = settings.timeoutMs ?? 10_000;
  }

  /** Where the registry lives, for messages (never with credentials). */
  get location(): string {
    return `${this.base.origin}${this.base.pathname}`;
  }

  /** The schema text registered under `id`; SchemaNotFoundError when the registry has no such id. */
  async schemaById(id: number): Promise<string> {
    const reply = await this.call('GET', `/schemas/ids/${id}`);
    if (reply.status === 404) throw new SchemaNotFoundError(`schema id ${id} is not known to the schema registry at ${this.location}`);
    this.expectOk(reply, `fetching schema id ${id}`);
    return this.schemaText(reply, `schema id ${id}`);
  }

  /** Registers `schema` (Avro JSON text) under `subject`; the same schema again yields the same id. */
  async register(subject: string, schema: string): Promise<number> {
    const reply = await this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema, schemaType: 'AVRO' });
    this.expectOk(reply, `registering the schema under subject ${subject}`);
    const id = (reply.body as { id?: unknown } | null)?.id;
    if (typeof id !== 'number') throw this.unexpected(reply, `registering under subject ${subject}`);
    return id;
  }

  /** The latest schema of `subject`; SchemaNotFoundError when the subject does not exist. */
  async latest(subject: string): Promise<RegisteredSchema> {
    const reply = await this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
    if (reply.status === 404) throw new SchemaNotFoundError(`subject ${subject} has no schema in the schema registry at ${this.location}`);
    this.expectOk(reply, `reading the latest schema of subject ${subject}`);
    const id = (reply.body as { id?: unknown } | null)?.id;
    if (typeof id !== 'number') throw this.unexpected(reply, `reading subject ${subject}`);
    return { id, schema: this.schemaText(reply, `subject ${subject}`) };
  }

  /**
   * Confirms the registry answers (at open, so a registry that is down is reported before any
   * record needs it). Wrong credentials are a config error; a 403 or 404 still proves it is there.
   */
  async checkReachable(): Promise<void> {
    const reply = await this.call('GET', '/subjects');
    if (reply.status === 403 || reply.status === 404) return;
    this.expectOk(reply, 'listing subjects');
  }

  close(): void {
    this.agent.destroy();
  }

  private schemaText(reply: RegistryReply, what: string): string {
    const body = reply.body as { schema?: unknown; schemaType?: unknown } | null;
    if (typeof body?.schema !== 'string') throw this.unexpected(reply, what);
    if (body.schemaType !== undefined && body.schemaType !== 'AVRO') {
      throw new DataflowError(ErrorCode.decode, `${what} in the schema registry is a ${JSON.stringify(body.schemaType)} schema, not Avro`, false);
    }
    return body.schema;
  }

  /** 5xx and 429 are retriable (the registry is struggling); 4xx other than 404 are config problems. */
  private expectOk(reply: RegistryReply, what: string): void {
    if (reply.status >= 200 && reply.status < 300) return;
    const detail = registryMessage(reply);
    const message = `schema registry at ${this.location}: ${what} failed with HTTP ${reply.status}${detail === '' ? '' : `: ${detail}`}`;
    if (reply.status >= 500 || reply.status === 429) throw new ConnectionError(message);
    if (reply.status === 401 || reply.status === 403) {
      throw new DataflowError(ErrorCode.config, `${message} (check schemaRegistry.basicAuth)`, false);
    }
    throw new DataflowError(ErrorCode.config, message, false);
  }

  private unexpected(reply: RegistryReply, what: string): DataflowError {
    return new ConnectionError(`schema registry at ${this.location}: unexpected answer to ${what}: ${reply.text.slice(0, 200)}`);
  }

  private call(method: 'GET' | 'POST', path: string, payload?: unknown): Promise<RegistryReply> {
    const url = new URL(this.base.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const headers: Record<string, string> = { Accept: CONTENT_TYPE };
    if (body !== undefined) {
      headers['Content-Type'] = CONTENT_TYPE;
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    if (this.authorization !== undefined) headers['Authorization'] = this.authorization;
    const send = this.secure ? httpsRequest : httpRequest;
    return new Promise<RegistryReply>((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(this.networkError(error)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = text === '' ? null : JSON.parse(text);
          } catch {
            parsed = null;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => reject(this.networkError(error)));
      req.end(body);
    });
  }

  private networkError(error: Error): DataflowError {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = errorMessage(error);
    if (code !== undefined && CERTIFICATE_CODES.has(code)) {
      return new DataflowError(
        ErrorCode.config,
        `schema registry at ${this.location}: TLS certificate not accepted (${code}: ${reason}); check schemaRegistry.tls.caFile/caSecretRef`,
        false,
        { cause: error },
      );
    }
    return new ConnectionError(`schema registry at ${this.location} is unreachable: ${reason}`, { cause: error });
  }
}

/** Confluent errors are `{error_code, message}`; Apicurio adds others. Take what is there. */
function registryMessage(reply: RegistryReply): string {
  const body = reply.body as { message?: unknown; detail?: unknown } | null;
  if (typeof body?.message === 'string') return body.message;
  if (typeof body?.detail === 'string') return body.detail;
  return reply.text.slice(0, 200);
}
