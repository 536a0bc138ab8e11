{{/* Chart name, overridable with nameOverride. */}}
{{- define "dataflow-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object name prefix: fullnameOverride, else the release name (when it already contains the chart name), else <release>-<chart>. */}}
{{- define "dataflow-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "dataflow-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: name + instance + component, so no other workload's pods can match. */}}
{{- define "dataflow-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dataflow-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "dataflow-operator.labels" -}}
helm.sh/chart: {{ include "dataflow-operator.chart" . }}
{{ include "dataflow-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dataflow
{{- end }}

{{- define "dataflow-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dataflow-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Operator image: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "dataflow-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "dataflow-operator.workerImage" -}}
{{- printf "%s:%s" .Values.workerImage.repository (default .Chart.AppVersion .Values.workerImage.tag) }}
{{- end }}

{{/* Leader election: forced on, or implied by more than one replica. */}}
{{- define "dataflow-operator.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* A monitoring file copied into the chart by gen-deploy; fails clearly when it is missing. */}}
{{- define "dataflow-operator.monitoringFile" -}}
{{- $content := .root.Files.Get (printf "files/%s" .name) }}
{{- if not $content }}
{{- fail (printf "%s is enabled but files/%s is not in the chart (run `make generate` after deploy/monitoring/%s exists)" .value .name .name) }}
{{- end }}
{{- $content }}
{{- end }}

{{/* The kubernetes.io/tls Secret the webhook serves from (webhook.secretName, else <fullname>-webhook-tls). */}}
{{- define "dataflow-operator.webhookSecretName" -}}
{{- default (printf "%s-webhook-tls" (include "dataflow-operator.fullname" .)) .Values.webhook.secretName }}
{{- end }}
