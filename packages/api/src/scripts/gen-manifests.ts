// Writes the generated manifests from the API schemas (house-style.md §2.4):
//   deploy/crds/dataflow.dataflow.io_dataflows.yaml          plain CRD (kubectl apply)
//   charts/dataflow-operator/templates/crd/dataflows.yaml     the same CRD as a Helm template
// `--check` writes nothing and exits 1 listing the files that differ (make verify-generated).
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from '../group.js';
import { crdOpenApiSchema } from '../schema.js';
import { isEntryScript, repoRootFrom, syncGeneratedFiles } from './generated-files.js';

const HEADER = [
  '# GENERATED — do not edit. Source: packages/api/src (schema.ts and the connector/transform schemas).',
  '# Regenerate with `make generate`; `make verify-generated` fails when this file is stale.',
];

/** The CustomResourceDefinition object; metadata is rendered separately for the chart. */
export function dataFlowCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: LIST_KIND,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [...SHORT_NAMES],
        categories: ['dataflow'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: [
            { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Summary of the flow state.' },
            { name: 'Source', type: 'string', jsonPath: '.spec.source.type', description: 'Source connector type.' },
            { name: 'Sink', type: 'string', jsonPath: '.spec.sink.type', description: 'Sink connector type.' },
            { name: 'Processed', type: 'integer', jsonPath: '.status.processedCount', description: 'Messages written.' },
            { name: 'Errors', type: 'integer', jsonPath: '.status.errorCount', description: 'Messages that failed.' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: crdOpenApiSchema() },
        },
      ],
    },
  };
}

function toYaml(value: unknown): string {
  // lineWidth 0: no folding, so a description change shows as a one-line diff.
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function renderPlainCrd(): string {
  return `${HEADER.join('\n')}\n${toYaml(dataFlowCrd())}`;
}

/** Text inside a Helm template must not contain template delimiters of its own. */
function escapeHelm(text: string): string {
  return text.replace(/\{\{|\}\}/g, (d) => `{{ "${d}" }}`);
}

export function renderChartCrd(): string {
  const { metadata: _metadata, ...rest } = dataFlowCrd();
  const [apiVersionKind, body] = [toYaml({ apiVersion: rest['apiVersion'], kind: rest['kind'] }), toYaml({ spec: rest['spec'] })];
  return [
    '{{- if .Values.crds.enabled }}',
    ...HEADER,
    apiVersionKind.trimEnd(),
    'metadata:',
    `  name: ${CRD_NAME}`,
    '  labels:',
    '    app.kubernetes.io/name: dataflow-operator',
    '    app.kubernetes.io/managed-by: {{ .Release.Service }}',
    '  {{- if .Values.crds.keep }}',
    '  annotations:',
    '    helm.sh/resource-policy: keep',
    '  {{- end }}',
    escapeHelm(body).trimEnd(),
    '{{- end }}',
    '',
  ].join('\n');
}

function main(argv: readonly string[]): number {
  const root = repoRootFrom(import.meta.url);
  return syncGeneratedFiles({ root, outputs: [
      [join(root, 'deploy', 'crds', `${GROUP}_${PLURAL}.yaml`), renderPlainCrd()],
      [join(root, 'charts', 'dataflow-operator', 'templates', 'crd', `${PLURAL}.yaml`), renderChartCrd()],
    ], what: 'generated manifests', regenerate: 'make generate', check: argv.includes('--check') });
}

// Run only as a script, so tests can import the renderers.
if (isEntryScript(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
