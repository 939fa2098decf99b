#!/usr/bin/env bash
# Builds the local Kubernetes control plane the tests/k8s suite runs against: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok, from their Go
# modules with the machine's Go, because no prebuilt binary can be downloaded here.
#
# k8s.io/kubernetes is built through a wrapper module (hack/lib/k8s-wrapper.sh). etcd is
# built in the same wrapper, so it is exactly the etcd kubernetes pins and tests with. kwok
# has a plain go.mod and is `go install`ed at its own pinned version.
#
# Idempotent: binaries already in the cache folder are kept, and a run with all of them
# present calls no Go at all. Progress goes to stderr; the LAST stdout line is the folder, so
#   export KUBEBUILDER_ASSETS=$(hack/build-control-plane.sh)
set -euo pipefail

KUBERNETES_VERSION=v1.37.2 # etcd follows: v1.37.2 pins go.etcd.io/etcd/server/v3 v3.7.0
KWOK_VERSION=v0.8.0

CACHE_DIR="${CRPBOT_CACHE_DIR:-$HOME/.cache/crpbot}"
OUT_DIR="${CACHE_DIR}/k8s-${KUBERNETES_VERSION}-kwok-${KWOK_VERSION}"

# binary name -> Go package built in the wrapper module
declare -A WRAPPED=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [kube-scheduler]=k8s.io/kubernetes/cmd/kube-scheduler
  [kubectl]=k8s.io/kubernetes/cmd/kubectl
  [etcd]=go.etcd.io/etcd/server/v3
)

LOG_NAME=build-control-plane
# shellcheck source=hack/lib/k8s-wrapper.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-wrapper.sh"

build_kwok() {
  [ -x "$OUT_DIR/kwok" ] && return 0
  local work="$WORK_ROOT/kwok"
  mkdir -p "$work"
  (cd "$work" && GOBIN="$work" run go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
  mv "$work/kwok" "$OUT_DIR/kwok"
}

# kwok's own stages (node Ready at once and kept alive through its Lease, as the node
# lifecycle controller expects; pods Running, Job pods Succeeded, deletions finished), taken
# from its module source because the kwok binary has none built in. The first line names the
# set, so a changed list is rewritten.
KWOK_STAGES=(node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease
  pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete)
KWOK_STAGES_HEADER="# kwok $KWOK_VERSION stages: ${KWOK_STAGES[*]}"

kwok_stages_current() {
  [ -f "$OUT_DIR/kwok-stages.yaml" ] && [ "$(head -n1 "$OUT_DIR/kwok-stages.yaml")" = "$KWOK_STAGES_HEADER" ]
}

write_kwok_stages() {
  kwok_stages_current && return 0
  local src stage
  src=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || { log "cannot download sigs.k8s.io/kwok@$KWOK_VERSION"; exit 1; }
  {
    echo "$KWOK_STAGES_HEADER"
    for stage in "${KWOK_STAGES[@]}"; do
      echo "---"
      cat "$src/kustomize/stage/$stage.yaml"
    done
  } >"$WORK_ROOT/kwok-stages.yaml"
  mv "$WORK_ROOT/kwok-stages.yaml" "$OUT_DIR/kwok-stages.yaml"
}

main() {
  mkdir -p "$OUT_DIR"
  mapfile -t missing < <(k8s_missing "$OUT_DIR")
  if [ ${#missing[@]} -eq 0 ] && [ -x "$OUT_DIR/kwok" ] && kwok_stages_current; then
    log "all binaries present in $OUT_DIR"
    echo "$OUT_DIR"
    return 0
  fi
  command -v go >/dev/null || { log "go is not on PATH (needs go >= 1.26)"; exit 1; }
  export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
  local started=$SECONDS
  WORK_ROOT=$(mktemp -d)
  trap 'rm -rf "$WORK_ROOT"' EXIT
  log "building into $OUT_DIR with $(go version)"
  build_kwok
  write_kwok_stages
  if [ ${#missing[@]} -gt 0 ]; then
    log "building ${missing[*]} from k8s.io/kubernetes@$KUBERNETES_VERSION"
    k8s_build_wrapped "$WORK_ROOT" "$OUT_DIR" "${missing[@]}"
  fi
  log "done in $((SECONDS - started))s"
  echo "$OUT_DIR"
}

main
