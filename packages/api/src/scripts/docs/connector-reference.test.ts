import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONNECTOR_TYPES, renderConnectorReference } from './connector-reference.js';

void describe('renderConnectorReference', () => {
  void it('covers every source and sink type once', () => {
    assert.deepEqual([...CONNECTOR_TYPES].sort(), ['clickhouse', 'file', 'generator', 'kafka', 'postgresql', 'stdout', 'trino']);
  });

  void it('lists fields with type, default and description, nested settings dotted, Secret references as one field', () => {
    const doc = renderConnectorReference('kafka');
    assert.match(doc, /### Source\n/);
    assert.match(doc, /### Sink\n/);
    assert.match(doc, /\| `batchSize` \| integer \| `1000` \| Messages sent in one produce request at most\. \|/);
    assert.match(doc, /\| `compression` \| `none` \\\| `gzip` \\\| `snappy` \\\| `zstd` \| `"none"` \|/);
    assert.match(doc, /\| `schemaRegistry\.basicAuth\.passwordSecretRef` \| SecretRef \|/);
    assert.doesNotMatch(doc, /passwordSecretRef\.name/);
    assert.match(doc, /&lt;namespace>\.&lt;name>/, 'angle brackets are escaped');
  });

  void it('marks required fields and renders source-only and sink-only connectors', () => {
    assert.match(renderConnectorReference('file'), /\| `path` \| string \| {2}\| \*\*Required\.\*\* /);
    assert.doesNotMatch(renderConnectorReference('generator'), /### Sink/);
    assert.doesNotMatch(renderConnectorReference('stdout'), /### Source/);
    assert.throws(() => renderConnectorReference('s3'), /unknown connector type "s3"/);
  });
});
