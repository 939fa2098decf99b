# shellcheck shell=bash
# Sourced by hack/build-control-plane.sh and hack/build-node.sh: builds commands of
# k8s.io/kubernetes from their Go module with the machine's Go.
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod points the k8s.io/* staging modules
# at ./staging. A throwaway wrapper module requires k8s.io/kubernetes at the pinned version and
# replaces every staging module (read from kubernetes' own go.mod) with its published v0.X
# twin. Callers set KUBERNETES_VERSION and LOG_NAME, and a WRAPPED associative array
# (binary name -> Go package) before calling k8s_build_wrapped.

STAGING_VERSION="v0.${KUBERNETES_VERSION#v1.}"

log() { echo "$LOG_NAME: $*" >&2; }

# run CMD...: echo the exact command, so a failure in a log names what to re-run.
run() {
  log "+ $*"
  "$@" >&2
}

# k8s_missing OUT_DIR: the names of WRAPPED not yet built in OUT_DIR, sorted.
k8s_missing() {
  local out=$1 name
  for name in "${!WRAPPED[@]}"; do
    [ -x "$out/$name" ] || echo "$name"
  done | sort
}

# k8s_version_ldflags: what kubernetes' own build stamps, so /version and kubectl report it.
k8s_version_ldflags() {
  local minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  local pkg flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

# k8s_write_wrapper_module DIR: go.mod (staging replaced) and tools.go importing every WRAPPED.
k8s_write_wrapper_module() {
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

# k8s_build_wrapped WORK_ROOT OUT_DIR NAME...: build the named WRAPPED binaries into OUT_DIR.
k8s_build_wrapped() {
  local work="$1/wrapper" out=$2 pkgs=() name
  shift 2
  mkdir -p "$work"
  k8s_write_wrapper_module "$work"
  (cd "$work" && run go mod tidy)
  for name in "$@"; do
    pkgs+=("${WRAPPED[$name]}")
  done
  mkdir -p "$work/bin"
  # One `go build` for all of them: shared packages compile once, links run side by side.
  (cd "$work" && run go build -trimpath -ldflags "$(k8s_version_ldflags)" -o "$work/bin/" "${pkgs[@]}")
  for name in "$@"; do
    local built="$work/bin/$(basename "${WRAPPED[$name]}")"
    [ "$name" = etcd ] && built="$work/bin/server"
    mv "$built" "$out/$name"
  done
}
