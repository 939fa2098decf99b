#!/usr/bin/env bash
# Builds the local Kubernetes control plane the tests/k8s suite runs against: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok, from their Go
# modules with the machine's Go, because no prebuilt binary can be downloaded here.
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod points the k8s.io/* staging modules
# at ./staging. A throwaway wrapper module requires k8s.io/kubernetes at the pinned version and
# replaces every staging module (read from kubernetes' own go.mod) with its published v0.X
# twin. etcd is built in the same wrapper, so it is exactly the etcd kubernetes pins and tests
# with. kwok has a plain go.mod and is `go install`ed at its own pinned version.
#
# Idempotent: binaries already in the cache folder are kept, and a run with all of them
# present calls no Go at all. Progress goes to stderr; the LAST stdout line is the folder, so
#   export KUBEBUILDER_ASSETS=$(hack/build-control-plane.sh)
set -euo pipefail

KUBERNETES_VERSION=v1.37.2 # etcd follows: v1.37.2 pins go.etcd.io/etcd/server/v3 v3.7.0
KWOK_VERSION=v0.8.0
STAGING_VERSION="v0.${KUBERNETES_VERSION#v1.}"

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

log() { echo "build-control-plane: $*" >&2; }

# run CMD...: echo the exact command, so a failure in a log names what to re-run.
run() {
  log "+ $*"
  "$@" >&2
}

missing_wrapped() {
  local name
  for name in "${!WRAPPED[@]}"; do
    [ -x "$OUT_DIR/$name" ] || echo "$name"
  done | sort
}

# version_ldflags: what kubernetes' own build stamps, so /version and kubectl report 1.37.2.
version_ldflags() {
  local minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  local pkg flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

write_wrapper_module() {
  local dir=$1 gomod staging
  gomod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" \
    | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
  [ -f "$gomod" ] || { log "cannot download k8s.io/kubernetes@$KUBERNETES_VERSION"; exit 1; }
  staging=$(sed -n 's#^\s*\(k8s.io/[A-Za-z0-9._-]*\) => ./staging/src/.*#\1#p' "$gomod")
  [ -n "$staging" ] || { log "no staging replace lines in $gomod"; exit 1; }
  {
    echo "module crpbot.local/control-plane"
    echo
    echo "go $(sed -n 's/^go \(.*\)$/\1/p' "$gomod")"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    echo "replace ("
    local module
    for module in $staging; do
      echo "	$module => $module $STAGING_VERSION"
    done
    echo ")"
  } >"$dir/go.mod"
  {
    echo "//go:build tools"
    echo
    echo "package tools"
    echo
    echo "import ("
    local name
    for name in "${!WRAPPED[@]}"; do
      echo "	_ \"${WRAPPED[$name]}\""
    done
    echo ")"
  } >"$dir/tools.go"
}

build_wrapped() {
  local names=("$@") work="$WORK_ROOT/wrapper" pkgs=() name
  mkdir -p "$work"
  write_wrapper_module "$work"
  (cd "$work" && run go mod tidy)
  for name in "${names[@]}"; do
    pkgs+=("${WRAPPED[$name]}")
  done
  mkdir -p "$work/bin"
  # One `go build` for all of them: shared packages compile once, links run side by side.
  (cd "$work" && run go build -trimpath -ldflags "$(version_ldflags)" -o "$work/bin/" "${pkgs[@]}")
  for name in "${names[@]}"; do
    local built="$work/bin/$(basename "${WRAPPED[$name]}")"
    [ "$name" = etcd ] && built="$work/bin/server"
    mv "$built" "$OUT_DIR/$name"
  done
}

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
  mapfile -t missing < <(missing_wrapped)
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
    build_wrapped "${missing[@]}"
  fi
  log "done in $((SECONDS - started))s"
  echo "$OUT_DIR"
}

main
