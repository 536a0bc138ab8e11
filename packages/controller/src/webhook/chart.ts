// templates/webhook.yaml of the Helm chart (written by scripts/gen-deploy.ts): behind
// webhook.enabled, the Service in front of the operator's webhook port, the
// ValidatingWebhookConfiguration (only CREATE/UPDATE of dataflows, failurePolicy Fail,
// sideEffects None) and, with webhook.certManager.enabled, a cert-manager Certificate (plus a
// self-signed Issuer when no issuerRef is given) whose CA cert-manager injects. Without cert-manager
// the user supplies the TLS Secret and webhook.caBundle. Path, rules and names come from the code.
import { GROUP, PLURAL, VERSION } from '@dataflow/api';
import { WEBHOOK_PATH } from './server.js';

/** The webhook's name inside the configuration (must be a qualified name of three segments or more). */
export const WEBHOOK_NAME = `validate.${GROUP}`;
export const WEBHOOK_RULE = { apiGroups: [GROUP], apiVersions: [VERSION], resources: [PLURAL], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' } as const;
/** Port of the webhook Service (the API server always calls HTTPS; 443 is its default). */
export const WEBHOOK_SERVICE_PORT = 443;

const list = (values: readonly string[]): string => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

export function renderChartWebhook(header: readonly string[]): string {
  const meta = (name: string, namespaced: boolean): string[] => [
    'metadata:',
    `  name: ${name}`,
    ...(namespaced ? ['  namespace: {{ .Release.Namespace }}'] : []),
    '  labels:',
    '    {{- include "dataflow-operator.labels" . | nindent 4 }}',
  ];
  const service = '{{ $fullname }}-webhook';
  return [
    '{{- if .Values.webhook.enabled }}',
    ...header,
    '{{- $fullname := include "dataflow-operator.fullname" . }}',
    '{{- $certManager := .Values.webhook.certManager.enabled }}',
    '{{- if not (or $certManager .Values.webhook.caBundle) }}',
    '{{- fail "webhook.enabled needs webhook.caBundle (base64 PEM of the CA that signed the certificate in the webhook Secret) or webhook.certManager.enabled" }}',
    '{{- end }}',
    'apiVersion: v1',
    'kind: Service',
    ...meta(service, true),
    'spec:',
    '  type: ClusterIP',
    '  selector:',
    '    {{- include "dataflow-operator.selectorLabels" . | nindent 4 }}',
    '  ports:',
    '    - name: webhook',
    `      port: ${WEBHOOK_SERVICE_PORT}`,
    '      targetPort: webhook',
    '      protocol: TCP',
    '---',
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingWebhookConfiguration',
    // Cluster-scoped: the release namespace in the name keeps two installations apart.
    ...meta('{{ $fullname }}-{{ .Release.Namespace }}', false),
    '  {{- if $certManager }}',
    '  annotations:',
    `    cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/${service}`,
    '  {{- end }}',
    'webhooks:',
    `  - name: ${WEBHOOK_NAME}`,
    '    admissionReviewVersions: ["v1"]',
    '    sideEffects: None',
    // Fail closed: an invalid flow must not slip in while the operator is down.
    '    failurePolicy: Fail',
    '    matchPolicy: Equivalent',
    '    timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}',
    '    rules:',
    `      - apiGroups: ${list(WEBHOOK_RULE.apiGroups)}`,
    `        apiVersions: ${list(WEBHOOK_RULE.apiVersions)}`,
    `        resources: ${list(WEBHOOK_RULE.resources)}`,
    `        operations: ${list(WEBHOOK_RULE.operations)}`,
    `        scope: ${WEBHOOK_RULE.scope}`,
    '    clientConfig:',
    '      service:',
    `        name: ${service}`,
    '        namespace: {{ .Release.Namespace }}',
    `        path: ${WEBHOOK_PATH}`,
    `        port: ${WEBHOOK_SERVICE_PORT}`,
    '      {{- if not $certManager }}',
    '      caBundle: {{ .Values.webhook.caBundle | quote }}',
    '      {{- end }}',
    '    {{- if .Values.webhook.namespaceSelector }}',
    '    namespaceSelector:',
    '      {{- toYaml .Values.webhook.namespaceSelector | nindent 6 }}',
    '    {{- else if .Values.watchNamespaces }}',
    '    {{- /* Only the flows this operator reconciles. */}}',
    '    namespaceSelector:',
    '      matchExpressions:',
    '        - key: kubernetes.io/metadata.name',
    '          operator: In',
    '          values:',
    '            {{- toYaml .Values.watchNamespaces | nindent 12 }}',
    '    {{- end }}',
    '{{- if $certManager }}',
    '{{- if not .Values.webhook.certManager.issuerRef }}',
    '---',
    'apiVersion: cert-manager.io/v1',
    'kind: Issuer',
    ...meta(`${service}-selfsigned`, true),
    'spec:',
    '  selfSigned: {}',
    '{{- end }}',
    '---',
    'apiVersion: cert-manager.io/v1',
    'kind: Certificate',
    ...meta(service, true),
    'spec:',
    '  secretName: {{ include "dataflow-operator.webhookSecretName" . }}',
    '  dnsNames:',
    `    - ${service}.{{ .Release.Namespace }}.svc`,
    `    - ${service}.{{ .Release.Namespace }}.svc.cluster.local`,
    '  issuerRef:',
    '    {{- if .Values.webhook.certManager.issuerRef }}',
    '    {{- toYaml .Values.webhook.certManager.issuerRef | nindent 4 }}',
    '    {{- else }}',
    '    kind: Issuer',
    `    name: ${service}-selfsigned`,
    '    {{- end }}',
    '{{- end }}',
    '{{- end }}',
    '',
  ].join('\n');
}
