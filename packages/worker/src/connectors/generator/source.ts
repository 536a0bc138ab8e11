// Synthetic-message source for demos, tests and benchmarks: `count` messages (0/absent =
// unbounded) built from a template, paced by a token bucket when `ratePerSecond` is set, and
// reproducible with `seed` (random placeholders and {{uuid}}; {{now}} is the wall clock).
import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Message, Position } from '../../message.js';
import type { PluginContext, Source, SourceFactory } from '../../plugin.js';
import { ConfigFields } from '../config-fields.js';
import type { CompiledTemplate } from './template.js';
import { compileTemplate } from './template.js';

export const GENERATOR_PARTITION = 'generator';

export interface GeneratorSourceConfig {
  /** 0 = unbounded. */
  readonly count: number;
  readonly ratePerSecond: number | undefined;
  readonly template: CompiledTemplate;
  readonly seed: number;
}

export interface GeneratorClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: GeneratorClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
};

export function parseGeneratorSourceConfig(config: Record<string, unknown>): GeneratorSourceConfig {
  const fields = new ConfigFields(config, 'generator source');
  const count = fields.optionalNumber('count', { integer: true, min: 0 }) ?? 0;
  const ratePerSecond = fields.optionalNumber('ratePerSecond', { exclusiveMin: 0 });
  const seed = fields.optionalNumber('seed', { integer: true }) ?? randomInt(0, 2 ** 32);
  const template = compileTemplate(fields.requiredObject('template'));
  return { count, ratePerSecond, template, seed };
}

export class GeneratorSource implements Source {
  private readonly count: number;
  private readonly ratePerSecond: number | undefined;
  private readonly template: CompiledTemplate;
  private readonly random: () => number;
  private readonly clock: GeneratorClock;
  private state: 'new' | 'open' | 'closed' = 'new';
  private seq = 0;
  /** Token bucket: at most one second of messages may be sent in a burst. */
  private tokens = 0;
  private refilledAt = 0;

  constructor(config: GeneratorSourceConfig, clock: GeneratorClock = realClock) {
    this.count = config.count;
    this.ratePerSecond = config.ratePerSecond;
    this.template = config.template;
    this.random = mulberry32(config.seed);
    this.clock = clock;
  }

  open(_signal: AbortSignal): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new Error('generator source: open after close'));
    this.state = 'open';
    this.refilledAt = this.clock.now();
    this.tokens = this.ratePerSecond === undefined ? 0 : Math.min(1, this.ratePerSecond);
    return Promise.resolve();
  }

  async read(max: number, signal: AbortSignal): Promise<Message[]> {
    if (this.state !== 'open') throw new Error(`generator source: read ${this.state === 'closed' ? 'after close' : 'before open'}`);
    let n = this.count === 0 ? max : Math.min(max, this.count - this.seq);
    if (n <= 0 || signal.aborted) return [];
    if (this.ratePerSecond !== undefined) {
      n = await this.takeTokens(n, this.ratePerSecond, signal);
      if (n === 0) return [];
    }
    return this.generate(n);
  }

  done(): boolean {
    return this.count !== 0 && this.seq >= this.count;
  }

  ack(positions: readonly Position[]): Promise<void> {
    for (const position of positions) {
      const seq = Number(position.offset);
      if (position.partition !== GENERATOR_PARTITION || !Number.isInteger(seq) || seq < 1 || seq > this.seq) {
        return Promise.reject(new Error(`generator source: ack of position ${position.partition}@${position.offset}, which was never delivered`));
      }
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.state = 'closed';
    return Promise.resolve();
  }

  /** Waits for at least one token; returns how many of `wanted` may go now (0 = aborted). */
  private async takeTokens(wanted: number, rate: number, signal: AbortSignal): Promise<number> {
    for (;;) {
      const now = this.clock.now();
      this.tokens = Math.min(Math.max(1, rate), this.tokens + ((now - this.refilledAt) / 1000) * rate);
      this.refilledAt = now;
      const whole = Math.floor(this.tokens);
      if (whole >= 1) {
        const granted = Math.min(wanted, whole);
        this.tokens -= granted;
        return granted;
      }
      if (signal.aborted) return 0;
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / rate) * 1000), signal);
      if (signal.aborted) return 0;
    }
  }

  private generate(n: number): Message[] {
    const timestamp = new Date();
    const now = timestamp.toISOString();
    const random = this.random;
    const ctx = {
      seq: 0,
      now,
      random,
      uuid: () => uuidFrom(random),
    };
    const out = new Array<Message>(n);
    for (let i = 0; i < n; i++) {
      const seq = ++this.seq;
      ctx.seq = seq;
      const offset = String(seq);
      out[i] = {
        id: `${GENERATOR_PARTITION}@${offset}`,
        position: { partition: GENERATOR_PARTITION, offset },
        timestamp,
        key: null,
        value: this.template(ctx),
        headers: {},
        meta: {},
      };
    }
    return out;
  }
}

/** Small seeded PRNG (mulberry32): reproducible test data, not cryptography. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped UUID from the PRNG, so seeded runs repeat exactly. */
function uuidFrom(random: () => number): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const generatorSourceFactory: SourceFactory = {
  type: 'generator',
  create: (config: Record<string, unknown>, _ctx: PluginContext) => new GeneratorSource(parseGeneratorSourceConfig(config)),
};
