// Compression codecs for kafkajs. gzip is built in; snappy comes from kafkajs-snappy (pure JS);
// zstd is our own codec over Node's zlib (no native dependency). lz4 is refused: its npm codec
// packages need a native build that fails on Node 24 ("Module did not self-register").
// kafkajs keeps codecs in one process-wide table, so installing them also lets every consumer
// read snappy and zstd batches written by other producers.
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import kafkajs from 'kafkajs';
import type { CompressionTypes as CompressionType } from 'kafkajs';
import { ConfigError } from '../../errors.js';

const { CompressionTypes, CompressionCodecs } = kafkajs;

/** What kafkajs expects of a codec: compress gets its Encoder (the bytes are in `.buffer`). */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const compressZstd = promisify(zstdCompress);
const decompressZstd = promisify(zstdDecompress);

/** Kafka's zstd batches are plain zstd frames; Node's zlib reads and writes exactly those. */
export const zstdCodec: KafkaCodec = {
  compress: (encoder) => compressZstd(encoder.buffer),
  decompress: (buffer) => decompressZstd(buffer),
};

/** kafkajs-snappy ships no types: a factory returning the codec. */
function loadSnappyCodec(): KafkaCodec {
  const require = createRequire(import.meta.url);
  const factory = require('kafkajs-snappy') as () => KafkaCodec;
  return factory();
}

let installed = false;

/** Registers the snappy and zstd codecs with kafkajs once per process. */
export function installCodecs(): void {
  if (installed) return;
  const snappy = loadSnappyCodec();
  CompressionCodecs[CompressionTypes.Snappy] = () => snappy;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
  installed = true;
}

/**
 * The kafkajs compression type for a configured codec name; lz4 (and anything unknown) is a
 * ConfigError naming the field. Takes any string so it keeps refusing lz4 clearly whether or not
 * the api's enum still lists it.
 */
export function compressionType(name: string | undefined, owner: string): CompressionType {
  switch (name ?? 'none') {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'zstd':
      return CompressionTypes.ZSTD;
    case 'lz4':
      throw new ConfigError(`${owner}: config.compression lz4 is not supported by this worker (no lz4 codec builds on Node 24); use zstd, snappy or gzip`);
    default:
      throw new ConfigError(`${owner}: config.compression must be one of none, gzip, snappy, zstd, got ${JSON.stringify(name)}`);
  }
}
