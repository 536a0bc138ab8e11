import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { dataFlowCrd, renderChartCrd, renderPlainCrd } from './gen-manifests.js';

/**
 * Renders the chart template the way Helm would for the few constructs the generator emits:
 * whole-line `{{- if .Values.crds.<x> }}` / `{{- end }}`, `{{ .Release.Service }}` and the
 * `{{ "{{" }}` escapes. Anything else left over is a test failure.
 */
function renderHelm(template: string, values: { enabled: boolean; keep: boolean }): string {
  const stack: boolean[] = [];
  const out: string[] = [];
  for (const line of template.split('\n')) {
    const cond = /^\s*\{\{- if \.Values\.crds\.(enabled|keep) \}\}$/.exec(line);
    if (cond) {
      stack.push(values[cond[1] as 'enabled' | 'keep']);
      continue;
    }
    if (/^\s*\{\{- end \}\}$/.test(line)) {
      stack.pop();
      continue;
    }
    if (stack.every(Boolean)) out.push(line);
  }
  const text = out
    .join('\n')
    .replaceAll('{{ .Release.Service }}', 'Helm')
    .replace(/\{\{ "(\{\{|\}\})" \}\}/g, '$1');
  assert.equal(stack.length, 0, 'unbalanced if/end');
  return text;
}

void describe('gen-manifests', () => {
  void it('writes the CRD with a GENERATED header', () => {
    const text = renderPlainCrd();
    assert.match(text, /^# GENERATED — do not edit/);
    assert.deepEqual(parse(text), dataFlowCrd());
  });

  void it('declares names, scope, subresources and printer columns', () => {
    const crd = parse(renderPlainCrd()) as {
      metadata: { name: string };
      spec: { names: Record<string, unknown>; scope: string; versions: Array<Record<string, unknown>> };
    };
    assert.equal(crd.metadata.name, 'dataflows.dataflow.dataflow.io');
    assert.deepEqual(crd.spec.names['shortNames'], ['df']);
    assert.equal(crd.spec.names['listKind'], 'DataFlowList');
    assert.equal(crd.spec.scope, 'Namespaced');
    const [v1] = crd.spec.versions;
    assert.ok(v1);
    assert.equal(v1['served'], true);
    assert.equal(v1['storage'], true);
    assert.deepEqual(v1['subresources'], {
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
    const columns = v1['additionalPrinterColumns'] as Array<{ name: string; jsonPath: string; type: string }>;
    assert.deepEqual(columns.map((c) => c.name), ['Phase', 'Source', 'Sink', 'Processed', 'Errors', 'Age']);
    assert.equal(columns.find((c) => c.name === 'Processed')?.type, 'integer');
  });

  void it('renders the chart template to the same CRD, keep annotation by value', () => {
    const template = renderChartCrd();
    assert.match(template, /^\{\{- if \.Values\.crds\.enabled \}\}\n/);
    const kept = parse(renderHelm(template, { enabled: true, keep: true })) as Record<string, unknown> & { metadata: Record<string, unknown> };
    assert.deepEqual(kept['spec'], dataFlowCrd()['spec']);
    assert.equal(kept.metadata['name'], 'dataflows.dataflow.dataflow.io');
    assert.deepEqual(kept.metadata['annotations'], { 'helm.sh/resource-policy': 'keep' });
    const notKept = parse(renderHelm(template, { enabled: true, keep: false })) as { metadata: Record<string, unknown> };
    assert.equal(notKept.metadata['annotations'], undefined);
    assert.equal(renderHelm(template, { enabled: false, keep: true }).trim(), '');
  });

  void it('escapes template delimiters that appear in descriptions', () => {
    const plain = renderPlainCrd();
    assert.ok(plain.includes('{{seq}}'), 'fixture: a description mentions a {{placeholder}}');
    const body = renderChartCrd().split('\n').filter((l) => !/^\s*\{\{- (if|end)/.test(l)).join('\n');
    const unescaped = body.replace(/\{\{ "(\{\{|\}\})" \}\}/g, '').replaceAll('{{ .Release.Service }}', '');
    assert.equal(unescaped.includes('{{'), false);
  });
});
