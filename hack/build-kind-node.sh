#!/usr/bin/env bash
# Builds a kind node image without any image registry, for machines where kindest/node cannot
# be pulled (hack/kind-up.sh calls it then). kind's own recipe compiles containerd, runc and
# crictl in a base image and downloads Kubernetes' release images; here every piece is local:
#   - base (hack/kind/Dockerfile): the Debian image of hack/build-base-image.sh plus Debian's
#     systemd, containerd, runc and CNI plugins, kind's files from the pinned kind module;
#   - `kind build node-image --type file` on a kubernetes-server tarball assembled here:
#     kubeadm (built from k8s.io/kubernetes like the control plane), kubelet and kubectl, and
#     image archives made from the binaries of hack/build-control-plane.sh / build-node.sh
#     (kube-apiserver, controller-manager, scheduler, kube-proxy, etcd, pause), a CoreDNS with
#     kubeadm's Corefile plugins, rancher's local-path-provisioner and a busybox helper.
#   - kindnetd is not in the Go module proxy: its image is a stand-in (the pause binary) and
#     the node's own crpbot-cni service does its job (hack/kind/overlay/usr/local/bin/crpbot-cni).
# kind runs nodes with --privileged, which this machine refuses (its capability bounding set
# lacks CAP_SYS_RESOURCE): PATH gets hack/kind/docker-shim as `docker` (KIND_DOCKER_SHIM=0 off).
#
# Cached: the tag carries a hash of every input, so a rerun with the image present returns at
# once. The last stdout line is the image name (KIND_NODE_IMAGE for hack/kind-up.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

KUBERNETES_VERSION=v1.37.2
CRICTL_VERSION=v1.37.0
COREDNS_VERSION=v1.15.0
LOCAL_PATH_VERSION=v0.0.30
BUSYBOX_PACKAGE=busybox-static
# The image names kind v0.33's node build and cluster manifests expect (kind's const_*.go,
# `kubeadm config images list`); they are what the node's containerd holds.
KINDNETD_IMAGE=docker.io/kindest/kindnetd:v20260820-69b56db7
LOCAL_PATH_IMAGE=docker.io/kindest/local-path-provisioner:v20260820-69b56db7
LOCAL_PATH_HELPER_IMAGE=docker.io/kindest/local-path-helper:v20260131-7181c60a

CACHE_DIR="${CRPBOT_CACHE_DIR:-$HOME/.cache/crpbot}"
OUT_DIR="$CACHE_DIR/kind-node-$KUBERNETES_VERSION"
LOG_NAME=build-kind-node
# shellcheck source=hack/lib/k8s-wrapper.sh
source hack/lib/k8s-wrapper.sh

TOOLS=$(hack/build-tools.sh | tail -n 1)
CONTROL_PLANE=$(hack/build-control-plane.sh | tail -n 1)
NODE_BIN=$(hack/build-node.sh | tail -n 1)
PYTHON_IMAGE=$(hack/build-base-image.sh | sed -n 's/^PYTHON_IMAGE=//p')
KIND_VERSION=$("$TOOLS/kind" version | awk '{print $2}')
export CGO_ENABLED=0 GOWORK=off GOFLAGS="${GOFLAGS:--buildvcs=false}"

module_dir() { go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }

# go_build_module NAME MODULE@VERSION PACKAGE: a command built inside its own module folder.
go_build_module() {
  local name=$1 module=$2 package=$3 src work
  [ -x "$OUT_DIR/$name" ] && return 0
  src=$(module_dir "$module")
  [ -n "$src" ] || { log "cannot download $module"; exit 1; }
  work=$(mktemp -d "$WORK/$name.XXXXXX")
  cp -r "$src/." "$work/" && chmod -R u+w "$work"
  # -mod=mod: a module zip keeps only part of a vendor/ folder (rancher's has one).
  (cd "$work" && run go build -mod=mod -trimpath -ldflags "-s -w" -o "$OUT_DIR/$name" "$package")
}

build_kubeadm() {
  [ -x "$OUT_DIR/kubeadm" ] && return 0
  declare -gA WRAPPED=([kubeadm]=k8s.io/kubernetes/cmd/kubeadm)
  k8s_build_wrapped "$WORK" "$OUT_DIR" kubeadm
}

build_coredns() {
  cmp -s hack/kind/coredns/main.go "$OUT_DIR/coredns.go" && [ -x "$OUT_DIR/coredns" ] && return 0
  local work="$WORK/coredns"
  mkdir -p "$work"
  cp hack/kind/coredns/main.go "$work/"
  printf 'module crpbot.local/coredns\n\ngo 1.26\n\nrequire github.com/coredns/coredns %s\n' \
    "$COREDNS_VERSION" >"$work/go.mod"
  (cd "$work" && run go mod tidy && run go build -trimpath -ldflags "-s -w" -o "$OUT_DIR/coredns" .)
  cp hack/kind/coredns/main.go "$OUT_DIR/coredns.go"
}

fetch_busybox() {
  [ -x "$OUT_DIR/busybox" ] && return 0
  (cd "$WORK" && run apt-get download "$BUSYBOX_PACKAGE")
  dpkg-deb -x "$WORK"/"$BUSYBOX_PACKAGE"_*.deb "$WORK/busybox"
  cp "$WORK/busybox/bin/busybox" "$OUT_DIR/busybox"
}

inputs_hash() {
  {
    echo "$KIND_VERSION $KUBERNETES_VERSION $PYTHON_IMAGE $CRICTL_VERSION $COREDNS_VERSION"
    echo "$LOCAL_PATH_VERSION $KINDNETD_IMAGE $LOCAL_PATH_IMAGE $LOCAL_PATH_HELPER_IMAGE"
    find hack/kind hack/build-kind-node.sh -type f | sort | xargs sha1sum
    sha1sum "$CONTROL_PLANE"/{kube-apiserver,kube-controller-manager,kube-scheduler,etcd,kubectl}
    sha1sum "$NODE_BIN"/{kubelet,kube-proxy,pause/pause}
  } | sha1sum | cut -c1-12
}

# import_binary IMAGE SOURCE PATH_IN_IMAGE [ENTRYPOINT]: a one-binary image (docker import).
import_binary() {
  local image=$1 source=$2 path=$3 entrypoint=${4:-} root
  root=$(mktemp -d "$WORK/image.XXXXXX")
  mkdir -p "$root/$(dirname "$path")" "$root/tmp" "$root/etc"
  cp "$source" "$root/$path"
  tar -C "$root" -c . | docker import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    ${entrypoint:+--change "ENTRYPOINT [\"$entrypoint\"]"} - "$image" >/dev/null
  TEMP_IMAGES+=("$image")
}

make_images() {
  local bin=$1 name
  for name in kube-apiserver kube-controller-manager kube-scheduler; do
    import_binary "registry.k8s.io/$name:$KUBERNETES_VERSION" "$CONTROL_PLANE/$name" \
      "usr/local/bin/$name"
  done
  local want
  mapfile -t want < <("$OUT_DIR/kubeadm" config images list --kubernetes-version "$KUBERNETES_VERSION")
  for name in "${want[@]}"; do
    case "$name" in
      */etcd:*) import_binary "$name" "$CONTROL_PLANE/etcd" usr/local/bin/etcd ;;
      */coredns:*) import_binary "$name" "$OUT_DIR/coredns" coredns /coredns ;;
      */pause:*) import_binary "$name" "$NODE_BIN/pause/pause" pause /pause ;;
    esac
  done
  # kind's containerd config names its own sandbox image.
  local sandbox
  sandbox=$(sed -n 's/^ *sandbox_image = "\(.*\)"/\1/p' "$KIND_SRC/images/base/files/etc/containerd/config.toml")
  import_binary "$sandbox" "$NODE_BIN/pause/pause" pause /pause
  import_binary "$KINDNETD_IMAGE" "$NODE_BIN/pause/pause" pause /pause
  import_binary "$LOCAL_PATH_IMAGE" "$OUT_DIR/local-path-provisioner" \
    usr/local/bin/local-path-provisioner
  local helper="$WORK/helper" tool
  mkdir -p "$helper/bin" "$helper/tmp"
  cp "$OUT_DIR/busybox" "$helper/bin/"
  for tool in sh mkdir rm rmdir ls chmod cat; do ln -s busybox "$helper/bin/$tool"; done
  tar -C "$helper" -c . | docker import --change 'ENV PATH=/bin' - "$LOCAL_PATH_HELPER_IMAGE" >/dev/null
  TEMP_IMAGES+=("$LOCAL_PATH_HELPER_IMAGE")
  # kube-proxy needs iptables/nft: Debian's, on the local base.
  mkdir -p "$WORK/proxy"
  cp "$NODE_BIN/kube-proxy" "$WORK/proxy/"
  printf '%s\n' "FROM $PYTHON_IMAGE" \
    'RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables nftables conntrack ipset kmod >/dev/null && rm -rf /var/lib/apt/lists/*' \
    'COPY kube-proxy /usr/local/bin/kube-proxy' >"$WORK/proxy/Dockerfile"
  run docker build -q --tag "registry.k8s.io/kube-proxy:$KUBERNETES_VERSION" "$WORK/proxy"
  TEMP_IMAGES+=("registry.k8s.io/kube-proxy:$KUBERNETES_VERSION")

  # kind reads one archive's tags from its first metadata file; `repositories` lists every
  # image of a multi-image archive, so it goes first, with the names kind compares against.
  for name in kube-controller-manager kube-scheduler kube-proxy; do
    docker save -o "$bin/$name.tar" "registry.k8s.io/$name:$KUBERNETES_VERSION"
  done
  local rest=() image
  for image in "${TEMP_IMAGES[@]}"; do
    case "$image" in
      *kube-controller-manager:* | *kube-scheduler:* | *kube-proxy:*) ;;
      *) rest+=("$image") ;;
    esac
  done
  mkdir -p "$WORK/archive"
  docker save "${rest[@]}" | tar -C "$WORK/archive" -x
  sed -i 's#"kindest/#"docker.io/kindest/#g' "$WORK/archive/repositories"
  (cd "$WORK/archive" && tar -cf "$bin/kube-apiserver.tar" repositories \
    $(ls | grep -vx repositories))
}

main() {
  mkdir -p "$OUT_DIR"
  KIND_SRC=$(module_dir "sigs.k8s.io/kind@$KIND_VERSION")
  local tag
  tag="crpbot-local/kind-node:$KUBERNETES_VERSION-$(inputs_hash)"
  if docker image inspect "$tag" >/dev/null 2>&1; then
    log "node image $tag present"
    echo "$tag"
    return 0
  fi
  WORK=$(mktemp -d)
  TEMP_IMAGES=()
  BASE="crpbot-local/kind-base:$KUBERNETES_VERSION-build"
  # shellcheck disable=SC2317 # called by the trap
  cleanup() {
    docker rmi "${TEMP_IMAGES[@]}" "$BASE" >/dev/null 2>&1 || true
    chmod -R u+w "$WORK" 2>/dev/null
    rm -rf "$WORK"
  }
  trap cleanup EXIT
  local started=$SECONDS
  build_kubeadm
  build_coredns
  go_build_module crictl "sigs.k8s.io/cri-tools@$CRICTL_VERSION" ./cmd/crictl
  go_build_module local-path-provisioner \
    "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION" .
  fetch_busybox

  log "base image from $PYTHON_IMAGE"
  local context="$WORK/base"
  mkdir -p "$context/files/usr/local/bin"
  cp -r "$KIND_SRC/images/base/files/." "$context/files/"
  cp "$OUT_DIR/crictl" "$context/files/usr/local/bin/"
  cp -r hack/kind/overlay "$context/overlay"
  cp hack/kind/Dockerfile "$context/"
  chmod -R u+w "$context"
  run docker build -q --build-arg BASE_IMAGE="$PYTHON_IMAGE" --tag "$BASE" "$context"

  log "kubernetes-server tarball"
  local bin="$WORK/server/kubernetes/server/bin"
  mkdir -p "$bin"
  echo "$KUBERNETES_VERSION" >"$WORK/server/kubernetes/version"
  cp "$OUT_DIR/kubeadm" "$NODE_BIN/kubelet" "$CONTROL_PLANE/kubectl" "$bin/"
  make_images "$bin"
  tar -C "$WORK/server" -czf "$WORK/kubernetes-server-linux-amd64.tar.gz" kubernetes
  rm -rf "$WORK/server" "$WORK/archive"

  with_docker_shim run "$TOOLS/kind" build node-image --base-image "$BASE" --image "$tag" \
    --type file "$WORK/kubernetes-server-linux-amd64.tar.gz"
  log "built $tag in $((SECONDS - started))s"
  echo "$tag"
}

# with_docker_shim CMD...: CMD with hack/kind/docker-shim as `docker` (see the header).
with_docker_shim() {
  if [ "${KIND_DOCKER_SHIM:-1}" = 0 ]; then
    "$@"
    return
  fi
  local shim
  shim=$(mktemp -d)
  ln -s "$REPO/hack/kind/docker-shim" "$shim/docker"
  REAL_DOCKER=$(command -v docker) PATH="$shim:$PATH" "$@"
  rm -rf "$shim"
}

main
