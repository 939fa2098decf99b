#!/usr/bin/env bash
# Builds the chart/alert tooling (helm, promtool, kind, prometheus) from their Go modules with the
# machine's Go, because no prebuilt binary can be downloaded here. Each module is fetched
# through the Go module proxy at a pinned version and built inside its own module folder, so
# its own go.mod (replace/exclude directives included) and go.sum decide every dependency.
# Idempotent: a tool already built for this version set is kept. The last stdout line is the
# folder holding the binaries (tests read it as CRPBOT_TOOLS_DIR).
set -euo pipefail

HELM_VERSION=v3.21.4
PROMETHEUS_MODULE_VERSION=v0.316.0 # Go module version of Prometheus (promtool)
KIND_VERSION=v0.33.0
TOOLS_SET="helm-${HELM_VERSION}_prom-${PROMETHEUS_MODULE_VERSION}_kind-${KIND_VERSION}"

CACHE_DIR="${CRPBOT_CACHE_DIR:-$HOME/.cache/crpbot}"
OUT_DIR="${CACHE_DIR}/tools-${TOOLS_SET}"
mkdir -p "$OUT_DIR"
SCRATCH=$(mktemp -d)
trap 'chmod -R u+w "$SCRATCH" 2>/dev/null; rm -rf "$SCRATCH"' EXIT

command -v go >/dev/null || { echo "build-tools: go is not on PATH" >&2; exit 1; }
# GOWORK=off: a go.work shipped in a module zip can name folders the zip leaves out.
export CGO_ENABLED=0 GOWORK=off GOFLAGS="${GOFLAGS:--buildvcs=false}"

# Helm's own Makefile stamps its version and the Kubernetes version its client libraries speak
# (client-go v0.X -> 1.X); without the latter `helm template` assumes Kubernetes 1.20.
helm_ldflags() {
  local minor
  minor=$(sed -n 's|^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*|\1|p' go.mod | head -n 1)
  echo "-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" \
    "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1" \
    "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}" \
    "-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1" \
    "-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}"
}

# build_tool NAME MODULE VERSION PACKAGE [LDFLAGS_FUNCTION] [TAGS]: one `go build` at a time
# (2 cores).
build_tool() {
  local name=$1 module=$2 version=$3 package=$4 ldflags_fn=${5:-} tags=${6:-}
  if [ -x "$OUT_DIR/$name" ]; then
    return 0
  fi
  echo "build-tools: building $name from $module@$version" >&2
  local src work
  src=$(go mod download -json "$module@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { echo "build-tools: cannot download $module@$version" >&2; exit 1; }
  work=$(mktemp -d "$SCRATCH/$name.XXXXXX")
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  (
    cd "$work"
    ldflags=$([ -z "$ldflags_fn" ] || "$ldflags_fn")
    go build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$OUT_DIR/$name.tmp" "$package"
  )
  mv "$OUT_DIR/$name.tmp" "$OUT_DIR/$name"
}

build_tool helm helm.sh/helm/v3 "$HELM_VERSION" ./cmd/helm helm_ldflags
# promtool only checks and unit-tests rule files: Prometheus' remove_all_sd tag leaves out the
# service-discovery plugins (cloud SDKs), most of its build time.
build_tool promtool github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" ./cmd/promtool \
  "" remove_all_sd
build_tool kind sigs.k8s.io/kind "$KIND_VERSION" .
# The Prometheus server runs the end-to-end alert tests (rules, OTLP receiver, HTTP API). Its web
# UI's assets are embedded only under the builtinassets tag, which is left off: the API is all the
# tests use. Built after the others so that a folder from before it only gains this binary.
build_tool prometheus github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" \
  ./cmd/prometheus "" remove_all_sd

echo "$OUT_DIR"
