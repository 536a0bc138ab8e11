import assert from 'node:assert/strict';
import { zstdDecompressSync } from 'node:zlib';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { ConfigError } from '../../errors.js';
import { compressionType, installCodecs, zstdCodec } from './codecs.js';

const { CompressionTypes, CompressionCodecs } = kafkajs;
type Codec = { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };

void describe('kafka compression codecs', () => {
  const sample = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, category: 'books' }))));

  void it('zstd writes standard zstd frames and reads them back', async () => {
    const compressed = await zstdCodec.compress({ buffer: sample });
    assert.ok(compressed.length < sample.length / 4, 'repetitive JSON compresses well');
    assert.equal(compressed.readUInt32LE(0), 0xfd2fb528, 'zstd frame magic number');
    assert.deepEqual(zstdDecompressSync(compressed), sample);
    assert.deepEqual(await zstdCodec.decompress(compressed), sample);
  });

  void it('installs snappy and zstd into kafkajs, which ships neither', async () => {
    installCodecs();
    for (const factory of [CompressionCodecs[CompressionTypes.Snappy], CompressionCodecs[CompressionTypes.ZSTD]]) {
      const codec = (factory as () => Codec)();
      const compressed = await codec.compress({ buffer: sample });
      assert.notDeepEqual(compressed, sample);
      assert.deepEqual(Buffer.from(await codec.decompress(compressed)), sample);
    }
  });

  void it('maps names to kafkajs types and refuses lz4 with a clear ConfigError', () => {
    assert.equal(compressionType(undefined, 'kafka sink'), CompressionTypes.None);
    assert.equal(compressionType('gzip', 'kafka sink'), CompressionTypes.GZIP);
    assert.equal(compressionType('snappy', 'kafka sink'), CompressionTypes.Snappy);
    assert.equal(compressionType('zstd', 'kafka sink'), CompressionTypes.ZSTD);
    assert.throws(() => compressionType('lz4', 'kafka sink'), (error: unknown) => error instanceof ConfigError && /config\.compression lz4 is not supported/.test(error.message));
    assert.throws(() => compressionType('brotli', 'kafka sink'), /must be one of none, gzip, snappy, zstd/);
  });
});
