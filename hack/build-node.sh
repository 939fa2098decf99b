#!/usr/bin/env bash
# Builds the node side of the local test cluster: kubelet and kube-proxy of k8s.io/kubernetes,
# the same version as the control plane (hack/build-control-plane.sh), through the same
# wrapper module (hack/lib/k8s-wrapper.sh), into a cache folder of their own so the control
# plane's cache stays valid. The Go build cache is shared with it: most packages are
# compiled once for both. It also builds `pause` (hack/node/pause), the static sandbox binary
# the node's pause image is made of, since no registry can serve Kubernetes' own, and
# `coredns` (hack/node/coredns: CoreDNS' Go module with only its kubernetes plugin and the
# few around it), the node's cluster DNS. With `--crictl` it also builds `crictl`
# (sigs.k8s.io/cri-tools, which Debian bookworm does not package) to look at the node's pods
# from the CRI side when debugging; the tests do not need it, so `make test` skips it.
#
# Idempotent: a run with every binary present calls no Go. Progress goes to stderr; the LAST
# stdout line is the folder, so
#   export CRPBOT_NODE_BIN=$(hack/build-node.sh)
set -euo pipefail

KUBERNETES_VERSION=v1.37.2
COREDNS_VERSION=v1.15.0
CRICTL_VERSION=v1.37.0

CACHE_DIR="${CRPBOT_CACHE_DIR:-$HOME/.cache/crpbot}"
OUT_DIR="${CACHE_DIR}/k8s-node-${KUBERNETES_VERSION}"

# binary name -> Go package built in the wrapper module
declare -A WRAPPED=(
  [kubelet]=k8s.io/kubernetes/cmd/kubelet
  [kube-proxy]=k8s.io/kubernetes/cmd/kube-proxy
)

PAUSE_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node/pause/main.go"
COREDNS_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node/coredns/main.go"

LOG_NAME=build-node
# shellcheck source=hack/lib/k8s-wrapper.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/k8s-wrapper.sh"

# build_pause: the sandbox binary, alone in its folder (the pause image's build context).
# Rebuilt when its source changes: the folder keeps the source it was built from.
build_pause() {
  local dir="$OUT_DIR/pause"
  cmp -s "$PAUSE_SRC" "$dir/main.go" && [ -x "$dir/pause" ] && return 0
  mkdir -p "$dir"
  (cd "$WORK_ROOT" && run go build -trimpath -ldflags "-s -w" -o "$dir/pause" "$PAUSE_SRC")
  cp "$PAUSE_SRC" "$dir/main.go"
}

pause_current() { cmp -s "$PAUSE_SRC" "$OUT_DIR/pause/main.go" && [ -x "$OUT_DIR/pause/pause" ]; }

# coredns_current: built from this very main.go at this version.
coredns_current() {
  local dir="$OUT_DIR/coredns"
  cmp -s "$COREDNS_SRC" "$dir/main.go" && [ -x "$dir/coredns" ] \
    && [ "$(cat "$dir/version" 2>/dev/null)" = "$COREDNS_VERSION" ]
}

# build_coredns: a module of its own requiring github.com/coredns/coredns, whose go.mod pins
# every dependency, so `go mod tidy` resolves the same versions CoreDNS releases with.
build_coredns() {
  coredns_current && return 0
  local dir="$OUT_DIR/coredns" work="$WORK_ROOT/coredns"
  mkdir -p "$dir" "$work"
  cp "$COREDNS_SRC" "$work/main.go"
  printf 'module crpbot.local/coredns\n\ngo 1.26\n\nrequire github.com/coredns/coredns %s\n' \
    "$COREDNS_VERSION" >"$work/go.mod"
  (cd "$work" && run go mod tidy && run go build -trimpath -ldflags "-s -w" -o "$dir/coredns" .)
  cp "$COREDNS_SRC" "$dir/main.go"
  echo "$COREDNS_VERSION" >"$dir/version"
}

crictl_current() {
  [ -x "$OUT_DIR/crictl" ] && [ "$(cat "$OUT_DIR/crictl.version" 2>/dev/null)" = "$CRICTL_VERSION" ]
}

# build_crictl: cri-tools' go.mod has no replace lines, so `go install` builds it as released.
build_crictl() {
  crictl_current && return 0
  (cd "$WORK_ROOT" && GOBIN="$OUT_DIR" run go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION")
  echo "$CRICTL_VERSION" >"$OUT_DIR/crictl.version"
}

WANT_CRICTL=false
[ "${1:-}" = "--crictl" ] && WANT_CRICTL=true

main() {
  mkdir -p "$OUT_DIR"
  mapfile -t missing < <(k8s_missing "$OUT_DIR")
  if [ ${#missing[@]} -eq 0 ] && pause_current && coredns_current \
    && { ! $WANT_CRICTL || crictl_current; }; then
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
  build_pause
  build_coredns
  if $WANT_CRICTL; then build_crictl; fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "building ${missing[*]} from k8s.io/kubernetes@$KUBERNETES_VERSION"
    k8s_build_wrapped "$WORK_ROOT" "$OUT_DIR" "${missing[@]}"
  fi
  log "done in $((SECONDS - started))s"
  echo "$OUT_DIR"
}

main
