#!/usr/bin/env bash
# Local cluster for crpbot: create a kind cluster from hack/kind-config.yaml, build the three
# images and load them into the nodes, helm-install the chart with the dev PostgreSQL, then
# apply a sample TradingBot. Needs Docker (or podman: KIND_EXPERIMENTAL_PROVIDER=podman) and
# kubectl; helm and kind come from hack/build-tools.sh. Re-running it updates in place.
#
# Node image: KIND_NODE_IMAGE if set, else kind's default (kindest/node) when Docker has it or
# can pull it, else one built here from local pieces by hack/build-kind-node.sh (machines
# without an image registry). Where `docker run --privileged` fails (a capability missing from
# the bounding set, as in a container), kind runs with hack/kind/docker-shim as `docker`.
#
# --cluster-only: create the cluster and stop (what tests/integration/kind runs).
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER_ONLY=false
case "${1:-}" in
  --cluster-only) CLUSTER_ONLY=true ;;
  "") ;;
  *)
    echo "usage: hack/kind-up.sh [--cluster-only]" >&2
    exit 2
    ;;
esac

CLUSTER=${CRPBOT_KIND_CLUSTER:-crpbot}
NAMESPACE=${CRPBOT_NAMESPACE:-crpbot-system}
TAG=${CRPBOT_IMAGE_TAG:-dev}
SAMPLE=${CRPBOT_SAMPLE:-manifests/samples/tradingbot-minimal.yaml}
TOOLS=$(hack/build-tools.sh | tail -n 1)
KIND="$TOOLS/kind"
HELM="$TOOLS/helm"
CONTEXT="kind-$CLUSTER"
# kind's default node image for the pinned kind (sigs.k8s.io/kind pkg/apis/config/defaults).
KIND_DEFAULT_NODE_IMAGE=${KIND_DEFAULT_NODE_IMAGE:-kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5}

if [ -z "${KIND_NODE_IMAGE:-}" ]; then
  if docker image inspect "$KIND_DEFAULT_NODE_IMAGE" >/dev/null 2>&1 ||
    timeout 120 docker pull "$KIND_DEFAULT_NODE_IMAGE" >/dev/null 2>&1; then
    KIND_NODE_IMAGE=$KIND_DEFAULT_NODE_IMAGE
  else
    echo "kind-up: cannot pull $KIND_DEFAULT_NODE_IMAGE; building a node image here" >&2
    KIND_NODE_IMAGE=$(hack/build-kind-node.sh | tail -n 1)
  fi
fi
if ! docker run --rm --privileged --entrypoint /bin/true "$KIND_NODE_IMAGE" 2>/dev/null; then
  echo "kind-up: docker run --privileged fails here; kind runs through hack/kind/docker-shim" >&2
  SHIM_DIR=$(mktemp -d)
  trap 'rm -rf "$SHIM_DIR"' EXIT
  ln -s "$(pwd)/hack/kind/docker-shim" "$SHIM_DIR/docker"
  REAL_DOCKER=$(command -v docker)
  export REAL_DOCKER PATH="$SHIM_DIR:$PATH"
fi

if ! "$KIND" get clusters | grep -qx "$CLUSTER"; then
  "$KIND" create cluster --name "$CLUSTER" --config hack/kind-config.yaml --wait 180s \
    --image "$KIND_NODE_IMAGE"
fi
if $CLUSTER_ONLY; then
  echo "kind cluster $CLUSTER is up (node image $KIND_NODE_IMAGE)" >&2
  exit 0
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
