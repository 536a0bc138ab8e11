import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMetricCatalog, renderMetricReference } from './metric-reference.js';

void describe('metric reference', () => {
  void it('renders sorted tables of worker and operator metrics', () => {
    const worker = parseMetricCatalog(
      JSON.stringify([
        { name: 'b_total', type: 'counter', labels: ['namespace', 'name'], help: 'B, a|b.' },
        { name: 'a_seconds', type: 'histogram', labels: [], help: 'A.' },
      ]),
      'worker',
    );
    const doc = renderMetricReference(worker, [{ name: 'dataflow_status', type: 'gauge', labels: ['phase'], help: 'Phase.' }]);
    assert.ok(doc.indexOf('`a_seconds`') < doc.indexOf('`b_total`'));
    assert.match(doc, /\| `b_total` \| counter \| `namespace`, `name` \| B, a\\\|b\. \|/);
    assert.match(doc, /## Operator metrics[^]*\| `dataflow_status` \| gauge \| `phase` \| Phase\. \|/);
  });

  void it('rejects a malformed catalog naming its origin', () => {
    assert.throws(() => parseMetricCatalog('nope', 'w.js'), /w\.js: metric catalog is not JSON/);
    assert.throws(() => parseMetricCatalog('{}', 'w.js'), /must be a JSON array/);
    assert.throws(() => parseMetricCatalog('[{"name":"x","type":"gauge","help":"h","labels":[1]}]', 'w.js'), /w\.js: catalog entry 0/);
  });
});
