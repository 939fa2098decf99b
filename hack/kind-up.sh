#!/usr/bin/env bash
# Local cluster for crpbot: create a kind cluster from hack/kind-config.yaml, build the images
# and load them into the nodes, helm-install the chart with the dev PostgreSQL, run `helm
# test`, then apply a sample TradingBot. Needs Docker (or podman: KIND_EXPERIMENTAL_PROVIDER=
# podman) and kubectl; helm and kind come from hack/build-tools.sh. Re-running it updates in
# place (an image already in the nodes is not loaded again).
#
# Node image: KIND_NODE_IMAGE if set, else kind's default (kindest/node) when Docker has it or
# can pull it, else one built here from local pieces by hack/build-kind-node.sh (machines
# without an image registry). Where `docker run --privileged` fails (a capability missing from
# the bounding set, as in a container), kind runs with hack/kind/docker-shim as `docker`.
#
# Images: hack/build-images.sh (what `make images` builds) with CRPBOT_BASE_IMAGES=auto: the
# Dockerfiles' public bases when Docker has or can pull them, else bases made here. The
# chart's PostgreSQL image is loaded too; when it is neither present nor pullable, the local
# stand-in of hack/build-postgres-image.sh (Debian's PostgreSQL 15) replaces it.
#
# Settings (environment):
#   CRPBOT_KIND_IMAGES  the crpbot images to build and load (default "operator workers
#                       model-server"). The model-server image is ~6 GB, ~18 GB of disk once in
#                       a node: "operator workers" leaves it out, and the bots' model-server
#                       pods then stay in ImagePullBackOff (their scanners fail closed).
#   CRPBOT_KIND_CLUSTER (crpbot), CRPBOT_NAMESPACE (crpbot-system), CRPBOT_IMAGE_TAG (dev),
#   CRPBOT_SAMPLE (manifests/samples/tradingbot-minimal.yaml), KUBECTL (kubectl),
#   TORCH_INDEX_URL (a PyTorch CPU wheel index for the model server).
# Images go only into the nodes pods can be scheduled on (not a tainted control plane), and
# only after checking that the disk holds them (kind's tar in $TMPDIR, then each node's
# containerd keeps an image twice: its layers and their unpacked snapshot) with 2 GiB to spare.
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
KUBECTL=${KUBECTL:-kubectl}
VALUES=charts/crpbot/ci/dev-postgresql-values.yaml
read -r -a MEMBERS <<<"${CRPBOT_KIND_IMAGES:-operator workers model-server}"
for member in "${MEMBERS[@]}"; do
  case "$member" in
    operator | workers | model-server) ;;
    *)
      echo "kind-up: CRPBOT_KIND_IMAGES: unknown image '$member' (operator, workers, model-server)" >&2
      exit 2
      ;;
  esac
done
if ! $CLUSTER_ONLY && ! command -v "$KUBECTL" >/dev/null; then
  echo "kind-up: error: no kubectl on PATH (or set KUBECTL=/path/to/kubectl)" >&2
  exit 2
fi
TOOLS=$(hack/build-tools.sh | tail -n 1)
KIND="$TOOLS/kind"
HELM="$TOOLS/helm"
CONTEXT="kind-$CLUSTER"
# kind's default node image for the pinned kind (sigs.k8s.io/kind pkg/apis/config/defaults).
KIND_DEFAULT_NODE_IMAGE=${KIND_DEFAULT_NODE_IMAGE:-kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5}
SPARE_BYTES=$((2 * 1024 * 1024 * 1024))

log() { echo "kind-up: $*" >&2; }
have_or_pull() { docker image inspect "$1" >/dev/null 2>&1 || timeout 120 docker pull "$1" >/dev/null 2>&1; }
gb() { awk -v b="$1" 'BEGIN {printf "%.1f GB", b / 1e9}'; }
free_bytes() { df --output=avail -B1 "$1" | tail -n 1; }

if [ -z "${KIND_NODE_IMAGE:-}" ]; then
  if have_or_pull "$KIND_DEFAULT_NODE_IMAGE"; then
    KIND_NODE_IMAGE=$KIND_DEFAULT_NODE_IMAGE
  else
    log "cannot pull $KIND_DEFAULT_NODE_IMAGE; building a node image here"
    KIND_NODE_IMAGE=$(hack/build-kind-node.sh | tail -n 1)
  fi
fi
if ! docker run --rm --privileged --entrypoint /bin/true "$KIND_NODE_IMAGE" 2>/dev/null; then
  log "docker run --privileged fails here; kind runs through hack/kind/docker-shim"
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
  log "kind cluster $CLUSTER is up (node image $KIND_NODE_IMAGE)"
  exit 0
fi

# The nodes without a NoSchedule/NoExecute taint: where the chart's and the bots' pods run.
schedulable_nodes() {
  # shellcheck disable=SC2016 # a Go template, not shell
  "$KUBECTL" --context "$CONTEXT" get nodes -o go-template='{{range .items}}{{$ok := true}}
{{- range .spec.taints}}{{if or (eq .effect "NoSchedule") (eq .effect "NoExecute")}}
{{- $ok = false}}{{end}}{{end}}{{if $ok}}{{.metadata.name}}{{"\n"}}{{end}}{{end}}'
}

# plan_loads IMAGE...: checks, before anything is loaded, that the disk holds every image
# still missing from a schedulable node (kind's tar, then layers + snapshot per node), and
# prints "IMAGE NODE,NODE" for each such image.
plan_loads() {
  local image id size missing node docker_root tmp need=0 tmp_need=0 free tmp_free same_fs
  docker_root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || echo /)
  [ -d "$docker_root" ] || docker_root=/
  tmp=${TMPDIR:-/tmp}
  same_fs=false
  [ "$(df --output=source "$tmp" | tail -n 1)" = "$(df --output=source "$docker_root" | tail -n 1)" ] &&
    same_fs=true
  free=$(free_bytes "$docker_root")
  tmp_free=$(free_bytes "$tmp")
  for image in "$@"; do
    id=$(docker image inspect --format '{{.Id}}' "$image")
    size=$(docker image inspect --format '{{.Size}}' "$image")
    missing=()
    for node in "${NODES[@]}"; do
      [ "$(docker exec "$node" crictl inspecti -o go-template --template '{{.status.id}}' \
        "$image" 2>/dev/null)" = "$id" ] || missing+=("$node")
    done
    if [ ${#missing[@]} -eq 0 ]; then
      log "$image is already in the nodes"
      continue
    fi
    need=$((need + 2 * size * ${#missing[@]}))
    if $same_fs; then need=$((need + size)); else tmp_need=$((tmp_need + size)); fi
    if ((free < need + SPARE_BYTES || tmp_free < tmp_need + SPARE_BYTES)); then
      log "error: no disk to load $image ($(gb "$size")) into ${#missing[@]} node(s):" \
        "~$(gb $((need + SPARE_BYTES))) needed on $docker_root with the images before it," \
        "$(gb "$free") free; leave images out with CRPBOT_KIND_IMAGES" \
        "(e.g. CRPBOT_KIND_IMAGES=\"operator workers\": no model server)"
      return 1
    fi
    echo "$image $(IFS=,; echo "${missing[*]}")"
  done
}

CRPBOT_IMAGE_TAG=$TAG CRPBOT_BASE_IMAGES=${CRPBOT_BASE_IMAGES:-auto} \
  hack/build-images.sh "${MEMBERS[@]}" >&2

# The chart's PostgreSQL image, or the local stand-in when no registry serves it.
PG_IMAGE=$("$HELM" template crpbot charts/crpbot --values "$VALUES" \
  --show-only templates/postgresql-statefulset.yaml | sed -n 's/^ *image: "\(.*\)"$/\1/p')
PG_VALUES=()
if ! have_or_pull "$PG_IMAGE"; then
  LOCAL_PG=$(hack/build-postgres-image.sh | tail -n 1)
  log "cannot pull $PG_IMAGE; the chart's PostgreSQL runs the local stand-in $LOCAL_PG" \
    "(Debian's PostgreSQL 15, hack/postgres/)"
  PG_IMAGE=$LOCAL_PG
  PG_VALUES=(--set postgresql.image.registry= --set "postgresql.image.repository=${LOCAL_PG%:*}"
    --set "postgresql.image.tag=${LOCAL_PG##*:}")
fi

mapfile -t NODES < <(schedulable_nodes)
[ ${#NODES[@]} -gt 0 ] || { log "error: no schedulable node in $CLUSTER"; exit 1; }
IMAGES=("$PG_IMAGE")
for member in "${MEMBERS[@]}"; do IMAGES+=("crpbot/$member:$TAG"); done
PLAN=$(plan_loads "${IMAGES[@]}")
while read -r image nodes; do
  [ -n "$image" ] || continue
  "$KIND" load docker-image "$image" --name "$CLUSTER" --nodes "$nodes"
done <<<"$PLAN"

hack/sync-chart-crds.sh --check
# Helm installs crds/ only on first install: apply them so a re-run picks up CRD changes.
"$KUBECTL" --context "$CONTEXT" apply --server-side -f charts/crpbot/crds/
"$HELM" upgrade --install crpbot charts/crpbot \
  --kube-context "$CONTEXT" --namespace "$NAMESPACE" --create-namespace \
  --values "$VALUES" "${PG_VALUES[@]}" \
  --set image.registry= --set image.repository=crpbot/operator --set image.tag="$TAG" \
  --set workerImages.workers.registry= --set workerImages.workers.repository=crpbot/workers \
  --set workerImages.workers.tag="$TAG" \
  --set workerImages.modelServer.registry= \
  --set workerImages.modelServer.repository=crpbot/model-server \
  --set workerImages.modelServer.tag="$TAG" \
  --wait --timeout 5m
"$HELM" test crpbot --kube-context "$CONTEXT" --namespace "$NAMESPACE" --timeout 5m

"$KUBECTL" --context "$CONTEXT" apply --namespace "$NAMESPACE" -f "$SAMPLE"
"$KUBECTL" --context "$CONTEXT" get tradingbots --namespace "$NAMESPACE"
log "kind cluster $CLUSTER is up: kubectl --context $CONTEXT -n $NAMESPACE get all"
