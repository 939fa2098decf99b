{{/*
Chart name, truncated to 63 characters because some Kubernetes name fields are limited to this.
*/}}
{{- define "crpbot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, unless it already contains the chart name.
*/}}
{{- define "crpbot.fullname" -}}
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

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "crpbot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: stable across upgrades, so they never include the chart version.
*/}}
{{- define "crpbot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "crpbot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Common labels on every object the chart renders.
*/}}
{{- define "crpbot.labels" -}}
helm.sh/chart: {{ include "crpbot.chart" . }}
{{ include "crpbot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: crpbot
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels of one component (operator, postgresql, monitoring, ...).
*/}}
{{- define "crpbot.componentLabels" -}}
{{ include "crpbot.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "crpbot.componentSelectorLabels" -}}
{{ include "crpbot.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
The operator's ServiceAccount name.
*/}}
{{- define "crpbot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "crpbot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
An image reference from {registry, repository, tag}; the tag defaults to the chart's appVersion.
*/}}
{{- define "crpbot.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag }}
{{- if .image.registry }}
{{- printf "%s/%s:%s" .image.registry .image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}
{{- end }}

{{/*
The Kopf peering object's name.
*/}}
{{- define "crpbot.peeringName" -}}
{{- default (printf "%s-operator" (include "crpbot.fullname" .)) .Values.operator.peering.name }}
{{- end }}

{{/*
Name of the dev PostgreSQL objects.
*/}}
{{- define "crpbot.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "crpbot.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The Secret (name and key) holding the database URL the bots use. The dev PostgreSQL writes its
URL under the same name, so a bot (and the samples in manifests/samples/) names one Secret
whichever database is behind it.
*/}}
{{- define "crpbot.databaseSecretName" -}}
{{- .Values.database.existingSecret.name }}
{{- end }}

{{- define "crpbot.databaseSecretKey" -}}
{{- .Values.database.existingSecret.key }}
{{- end }}

{{/*
Container security context shared by every container the chart runs.
*/}}
{{- define "crpbot.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}
