// Writes the operator's install manifests from one set of sources (house-style.md §1.1 items 7–9):
//   deploy/rbac/*.yaml, deploy/operator.yaml, deploy/kustomization.yaml   plain manifests (kustomize)
//   charts/dataflow-operator/templates/rbac.yaml                          the same rules as a Helm template
//   charts/dataflow-operator/templates/webhook.yaml                       the validating webhook (../webhook/chart.ts)
//   charts/dataflow-operator/files/{prometheus-rules.yaml,dashboard.json} copies of deploy/monitoring/*
// The rules come from the permissions table (../rbac.ts); ports and flags are the controller's
// defaults (../args.ts). `--check` writes nothing and exits 1 listing the files that differ.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isEntryScript, repoRootFrom, syncGeneratedFiles } from '@dataflow/api/generated-files';
import { Document, isSeq, stringify } from 'yaml';
import type { Node } from 'yaml';
import { OPERATOR_PERMISSIONS, OPERATOR_ROLE_NAME, operatorClusterRole, operatorLeaseRole } from '../rbac.js';
import type { Permission } from '../rbac.js';
import { DEFAULT_WORKER_REPOSITORY } from '../args.js';
import { renderChartWebhook } from '../webhook/chart.js';

export const DEPLOY_NAMESPACE = 'dataflow-system';
export const CONTROLLER_REPOSITORY = 'ghcr.io/dataflow-operator/dataflow-controller';
/** The controller's default ports (args.ts --metrics-port / --health-port). */
export const METRICS_PORT = 8080;
export const HEALTH_PORT = 8081;
/** The non-root uid the images run as (issue 9 item 1). */
export const RUN_AS_UID = 10001;
/**
 * The operator's V8 heap caps and container resources, the chart's defaults too (values.yaml
 * nodeOptions, resources). Measured with 200 flows created at once (bench/RESULTS.md "Controller"):
 * live heap ~55 MiB after the burst, RSS peak ~420 MiB (a ~140 MiB transient during one long GC),
 * 220–360 MiB settled; without caps V8 grows its heap lazily on a large node and the peak passed 570 MiB.
 */
export const OPERATOR_NODE_OPTIONS = '--max-old-space-size=192 --max-semi-space-size=8';
export const OPERATOR_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '640Mi' } };

const HEADER = ['# GENERATED — do not edit. Source: packages/controller/src/scripts/gen-deploy.ts (rules: src/rbac.ts).', '# Regenerate with `make generate`; `make verify-generated` fails when this file is stale.'];
const LEADER_ELECTION_ROLE = `${OPERATOR_ROLE_NAME}-leader-election`;
const LABELS = { 'app.kubernetes.io/name': 'dataflow-operator', 'app.kubernetes.io/component': 'controller' };

function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** A document whose `rules` items carry the table's `why` as a comment above each rule. */
function withRuleComments(object: { rules: unknown[] }, scope: Permission['scope']): string {
  const reasons = OPERATOR_PERMISSIONS.filter((p) => p.scope === scope).map((p) => p.why);
  if (reasons.length !== object.rules.length) throw new Error(`rbac table and ${scope} rules disagree (${reasons.length} vs ${object.rules.length})`);
  const doc = new Document(object, { aliasDuplicateObjects: false });
  const rules = doc.get('rules', true);
  if (!isSeq(rules)) throw new Error('rules did not render as a YAML sequence');
  rules.items.forEach((item, i) => {
    (item as Node).commentBefore = ` ${reasons[i] ?? ''}`;
  });
  return doc.toString({ lineWidth: 0 });
}

function file(...docs: string[]): string {
  return `${HEADER.join('\n')}\n${docs.map((d) => d.trimEnd()).join('\n---\n')}\n`;
}

export function renderClusterRole(): string {
  return file(withRuleComments(operatorClusterRole(), 'cluster'));
}

export function renderLeaderElectionRole(): string {
  return file(withRuleComments(operatorLeaseRole(DEPLOY_NAMESPACE, LEADER_ELECTION_ROLE), 'leader-election'));
}

const SUBJECT = { kind: 'ServiceAccount', name: OPERATOR_ROLE_NAME, namespace: DEPLOY_NAMESPACE };

export function renderRoleBindings(): { cluster: string; leaderElection: string } {
  const rbac = 'rbac.authorization.k8s.io';
  return {
    cluster: file(
      toYaml({
        apiVersion: `${rbac}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: { name: OPERATOR_ROLE_NAME, labels: LABELS },
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: OPERATOR_ROLE_NAME },
        subjects: [SUBJECT],
      }),
    ),
    leaderElection: file(
      toYaml({
        apiVersion: `${rbac}/v1`,
        kind: 'RoleBinding',
        metadata: { name: LEADER_ELECTION_ROLE, namespace: DEPLOY_NAMESPACE, labels: LABELS },
        roleRef: { apiGroup: rbac, kind: 'Role', name: LEADER_ELECTION_ROLE },
        subjects: [SUBJECT],
      }),
    ),
  };
}

/** The restricted container settings the chart's defaults also carry (values.yaml securityContext). */
export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_UID,
  runAsGroup: RUN_AS_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Namespace, ServiceAccount, Deployment and metrics Service of a one-replica operator. */
export function renderOperatorManifest(version: string): string {
  const selector = { 'app.kubernetes.io/name': 'dataflow-operator', 'app.kubernetes.io/instance': 'dataflow-operator' };
  const labels = { ...selector, 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/version': version };
  const metadata = { name: OPERATOR_ROLE_NAME, namespace: DEPLOY_NAMESPACE, labels };
  const probe = (path: string, initialDelaySeconds: number) => ({
    httpGet: { path, port: 'health' },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3,
  });
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: OPERATOR_ROLE_NAME,
          securityContext: POD_SECURITY_CONTEXT,
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'controller',
              image: `${CONTROLLER_REPOSITORY}:${version}`,
              imagePullPolicy: 'IfNotPresent',
              args: [`--metrics-port=${METRICS_PORT}`, `--health-port=${HEALTH_PORT}`],
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'WORKER_IMAGE', value: `${DEFAULT_WORKER_REPOSITORY}:${version}` },
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'NODE_OPTIONS', value: OPERATOR_NODE_OPTIONS },
              ],
              ports: [
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
              ],
              livenessProbe: probe('/healthz', 10),
              readinessProbe: probe('/readyz', 5),
              resources: OPERATOR_RESOURCES,
              securityContext: CONTAINER_SECURITY_CONTEXT,
              // Node needs a writable temp dir; the root filesystem is read-only.
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { ...metadata, name: `${OPERATOR_ROLE_NAME}-metrics` },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }] },
  };
  return file(
    toYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEPLOY_NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }),
    toYaml({ apiVersion: 'v1', kind: 'ServiceAccount', metadata }),
    toYaml(deployment),
    toYaml(service),
  );
}

export const KUSTOMIZE_RESOURCES = [
  'crds/dataflow.dataflow.io_dataflows.yaml',
  'rbac/role.yaml',
  'rbac/role-binding.yaml',
  'rbac/leader-election-role.yaml',
  'rbac/leader-election-role-binding.yaml',
  'operator.yaml',
];

export function renderKustomization(): string {
  return file(toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: KUSTOMIZE_RESOURCES }));
}

/** `rules:` with comments, indented for a Helm template (the rules contain no template delimiters). */
function chartRules(object: { rules: unknown[] }, scope: Permission['scope']): string {
  const text = withRuleComments({ rules: object.rules }, scope).trimEnd();
  if (text.includes('{{')) throw new Error('an RBAC rule contains a Helm template delimiter');
  return text;
}

/** templates/rbac.yaml: ClusterRole + binding (RoleBindings per watched namespace when set) and the
 *  leader-election Role in the release namespace. */
export function renderChartRbac(): string {
  const meta = (extra: string[] = []) => [
    'metadata:',
    '  name: {{ include "dataflow-operator.fullname" $ }}' + (extra.includes('lease') ? '-leader-election' : ''),
    ...(extra.includes('ns') ? ['  namespace: {{ $.Release.Namespace }}'] : []),
    '  labels:',
    '    {{- include "dataflow-operator.labels" $ | nindent 4 }}',
  ];
  const subjects = [
    'subjects:',
    '  - kind: ServiceAccount',
    '    name: {{ include "dataflow-operator.serviceAccountName" $ }}',
    '    namespace: {{ $.Release.Namespace }}',
  ];
  const roleRef = (kind: string, lease: boolean) => [
    'roleRef:',
    '  apiGroup: rbac.authorization.k8s.io',
    `  kind: ${kind}`,
    '  name: {{ include "dataflow-operator.fullname" $ }}' + (lease ? '-leader-election' : ''),
  ];
  return [
    '{{- if .Values.rbac.create }}',
    ...HEADER,
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRole',
    ...meta(),
    chartRules(operatorClusterRole(), 'cluster'),
    '{{- if .Values.watchNamespaces }}',
    '{{- /* Only the watched namespaces: the ClusterRole is bound per namespace. */}}',
    '{{- range .Values.watchNamespaces }}',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: RoleBinding',
    'metadata:',
    '  name: {{ include "dataflow-operator.fullname" $ }}',
    '  namespace: {{ . }}',
    '  labels:',
    '    {{- include "dataflow-operator.labels" $ | nindent 4 }}',
    ...roleRef('ClusterRole', false),
    ...subjects,
    '{{- end }}',
    '{{- else }}',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRoleBinding',
    ...meta(),
    ...roleRef('ClusterRole', false),
    ...subjects,
    '{{- end }}',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    ...meta(['lease', 'ns']),
    chartRules(operatorLeaseRole('release'), 'leader-election'),
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: RoleBinding',
    ...meta(['lease', 'ns']),
    ...roleRef('Role', true),
    ...subjects,
    '{{- end }}',
    '',
  ].join('\n');
}

/** The controller version tags both images; the chart's appVersion must say the same. */
function controllerVersion(root: string): string {
  const version = (JSON.parse(readFileSync(join(root, 'packages', 'controller', 'package.json'), 'utf8')) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error('packages/controller/package.json has no version');
  const chart = readFileSync(join(root, 'charts', 'dataflow-operator', 'Chart.yaml'), 'utf8');
  const appVersion = /^appVersion:\s*"?([^"\s]+)"?\s*$/m.exec(chart)?.[1];
  if (appVersion !== version) throw new Error(`charts/dataflow-operator/Chart.yaml appVersion (${appVersion ?? 'missing'}) must equal the controller version ${version}`);
  return version;
}

export function generatedFiles(root: string): Array<[string, string]> {
  const version = controllerVersion(root);
  const bindings = renderRoleBindings();
  const chart = join(root, 'charts', 'dataflow-operator');
  const outputs: Array<[string, string]> = [
    [join(root, 'deploy', 'rbac', 'role.yaml'), renderClusterRole()],
    [join(root, 'deploy', 'rbac', 'role-binding.yaml'), bindings.cluster],
    [join(root, 'deploy', 'rbac', 'leader-election-role.yaml'), renderLeaderElectionRole()],
    [join(root, 'deploy', 'rbac', 'leader-election-role-binding.yaml'), bindings.leaderElection],
    [join(root, 'deploy', 'operator.yaml'), renderOperatorManifest(version)],
    [join(root, 'deploy', 'kustomization.yaml'), renderKustomization()],
    [join(chart, 'templates', 'rbac.yaml'), renderChartRbac()],
    [join(chart, 'templates', 'webhook.yaml'), renderChartWebhook(HEADER)],
  ];
  // The chart ships copies of the monitoring files (Helm reads only files inside the chart).
  for (const name of ['prometheus-rules.yaml', 'dashboard.json']) {
    const source = join(root, 'deploy', 'monitoring', name);
    if (existsSync(source)) outputs.push([join(chart, 'files', name), readFileSync(source, 'utf8')]);
  }
  return outputs;
}

function main(argv: readonly string[]): number {
  const root = repoRootFrom(import.meta.url);
  return syncGeneratedFiles({ root, outputs: generatedFiles(root), what: 'generated deploy manifests', regenerate: 'make generate', check: argv.includes('--check') });
}

// Run only as a script, so tests can import the renderers.
if (isEntryScript(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
