#!/usr/bin/env bash
# Local cluster for crpbot: create a kind cluster from hack/kind-config.yaml, build the three
# images and load them into the nodes, helm-install the chart with the dev PostgreSQL, then
# apply a sample TradingBot. Needs Docker (or podman: KIND_EXPERIMENTAL_PROVIDER=podman) and
# kubectl; helm and kind come from hack/build-tools.sh. Re-running it updates in place.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER=${CRPBOT_KIND_CLUSTER:-crpbot}
NAMESPACE=${CRPBOT_NAMESPACE:-crpbot-system}
TAG=${CRPBOT_IMAGE_TAG:-dev}
SAMPLE=${CRPBOT_SAMPLE:-manifests/samples/tradingbot-minimal.yaml}
TOOLS=$(hack/build-tools.sh | tail -n 1)
KIND="$TOOLS/kind"
HELM="$TOOLS/helm"
CONTEXT="kind-$CLUSTER"

if ! "$KIND" get clusters | grep -qx "$CLUSTER"; then
  "$KIND" create cluster --name "$CLUSTER" --config hack/kind-config.yaml --wait 180s \
    ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"}
fi

for image in operator workers model-server; do
  docker build --file "$image/Dockerfile" --tag "crpbot/$image:$TAG" \
    ${TORCH_INDEX_URL:+--build-arg TORCH_INDEX_URL="$TORCH_INDEX_URL"} .
  "$KIND" load docker-image "crpbot/$image:$TAG" --name "$CLUSTER"
done

hack/sync-chart-crds.sh --check
# Helm installs crds/ only on first install: apply them so a re-run picks up CRD changes.
kubectl --context "$CONTEXT" apply --server-side -f charts/crpbot/crds/
"$HELM" upgrade --install crpbot charts/crpbot \
  --kube-context "$CONTEXT" --namespace "$NAMESPACE" --create-namespace \
  --values charts/crpbot/ci/dev-postgresql-values.yaml \
  --set image.registry= --set image.repository=crpbot/operator --set image.tag="$TAG" \
  --set workerImages.workers.registry= --set workerImages.workers.repository=crpbot/workers \
  --set workerImages.workers.tag="$TAG" \
  --set workerImages.modelServer.registry= \
  --set workerImages.modelServer.repository=crpbot/model-server \
  --set workerImages.modelServer.tag="$TAG" \
  --wait --timeout 5m
"$HELM" test crpbot --kube-context "$CONTEXT" --namespace "$NAMESPACE" --timeout 5m

kubectl --context "$CONTEXT" apply --namespace "$NAMESPACE" -f "$SAMPLE"
kubectl --context "$CONTEXT" get tradingbots --namespace "$NAMESPACE"
echo "kind cluster $CLUSTER is up: kubectl --context $CONTEXT -n $NAMESPACE get all" >&2
