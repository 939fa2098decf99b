#!/usr/bin/env bash
# Builds the node side of the local test cluster: kubelet and kube-proxy of k8s.io/kubernetes,
# the same version as the control plane (hack/build-control-plane.sh), through the same
# wrapper module (hack/lib/k8s-wrapper.sh), into a cache folder of their own so the control
# plane's cache stays valid. The Go build cache is shared with it: most packages are
# compiled once for both.
#
# Idempotent: a run with both binaries present calls no Go. Progress goes to stderr; the LAST
# stdout line is the folder, so
#   export CRPBOT_NODE_BIN=$(hack/build-node.sh)
set -euo pipefail

KUBERNETES_VERSION=v1.37.2

CACHE_DIR="${CRPBOT_CACHE_DIR:-$HOME/.cache/crpbot}"
OUT_DIR="${CACHE_DIR}/k8s-node-${KUBERNETES_VERSION}"

# binary name -> Go package built in the wrapper module
declare -A WRAPPED=(
  [kubelet]=k8s.io/kubernetes/cmd/kubelet
  [kube-proxy]=k8s.io/kubernetes/cmd/kube-proxy
)

LOG_NAME=build-node
# shellcheck source=hack/lib/k8s-wrapper.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-wrapper.sh"

main() {
  mkdir -p "$OUT_DIR"
  mapfile -t missing < <(k8s_missing "$OUT_DIR")
  if [ ${#missing[@]} -eq 0 ]; then
    log "all binaries present in $OUT_DIR"
    echo "$OUT_DIR"
    return 0
  fi
  command -v go >/dev/null || { log "go is not on PATH (needs go >= 1.26)"; exit 1; }
  export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
  local started=$SECONDS
  WORK_ROOT=$(mktemp -d)
  trap 'rm -rf "$WORK_ROOT"' EXIT
  log "building ${missing[*]} from k8s.io/kubernetes@$KUBERNETES_VERSION into $OUT_DIR with $(go version)"
  k8s_build_wrapped "$WORK_ROOT" "$OUT_DIR" "${missing[@]}"
  log "done in $((SECONDS - started))s"
  echo "$OUT_DIR"
}

main
