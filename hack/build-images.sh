#!/usr/bin/env bash
# `make images`: builds crpbot/operator, crpbot/workers and crpbot/model-server from their
# Dockerfiles on bases made on this machine (hack/build-base-image.sh: no registry needed),
# then prints each image's size. Layers are cached by the engine, so a rerun without source
# changes takes seconds.
#
#   hack/build-images.sh [member...]      (default: all three)
#
# Settings (environment): CRPBOT_IMAGE_TAG (default dev); TORCH_INDEX_URL (a PyTorch CPU
# wheel index, when one is reachable); CRPBOT_SKIP_PACKAGES (default triton: PyPI's torch
# imports without it); CRPBOT_BASE_IMAGES: `local` (default, the bases made here) or `auto`
# (the Dockerfiles' own public bases when Docker has or can pull them all, else the local
# ones: what hack/kind-up.sh uses, so a machine with a registry needs no debootstrap). The
# workers image leaves torch out altogether (its Dockerfile's WITHOUT_TORCH=1). The machine's
# CA bundle ($SSL_CERT_FILE) is handed to the build as the secret `ca-bundle`, so uv trusts a
# TLS-intercepting proxy without the bundle entering a layer.
# Stdout: one "<image> <size>" line per image.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${CRPBOT_IMAGE_TAG:-dev}
SKIP_PACKAGES=${CRPBOT_SKIP_PACKAGES-triton}
MEMBERS=("$@")
[ ${#MEMBERS[@]} -gt 0 ] || MEMBERS=(operator workers model-server)

log() { echo "build-images: $*" >&2; }

# A client that builds with BuildKit (the Dockerfiles use RUN --mount): a standalone CLI of
# Docker >= 23 needs the buildx plugin for that; Debian's docker.io client has it built in.
buildkit_client() {
  if docker buildx version >/dev/null 2>&1; then
    echo docker
  elif [ -x /usr/bin/docker ] && [[ $(DOCKER_BUILDKIT=1 /usr/bin/docker build --help 2>&1) == *--secret* ]]; then
    echo /usr/bin/docker
  else
    log "error: no docker client with BuildKit (install the buildx plugin or Debian's docker.io)"
    exit 1
  fi
}

# drop_superseded ID TAG: the model-server image is ~6 GB (CUDA torch from PyPI; the workers
# image, without torch, ~1.3 GB), so the image a rebuild replaced is removed once nothing names it; a full disk made
# a later build fail with "No space left on device". An image still tagged or used is kept.
drop_superseded() {
  local previous=$1 tag=$2 current
  [ -n "$previous" ] || return 0
  current=$(docker image inspect --format '{{.Id}}' "$tag")
  if [ "$previous" != "$current" ]; then
    docker image rm "$previous" >/dev/null 2>&1 && log "removed the superseded image of $tag" || true
  fi
}

# public_bases_available: every base the members' Dockerfiles name by default (their ARG
# PYTHON_IMAGE / UV_IMAGE) is in Docker or can be pulled.
public_bases_available() {
  local image
  while IFS= read -r image; do
    docker image inspect "$image" >/dev/null 2>&1 || timeout 120 docker pull "$image" >/dev/null 2>&1 || {
      log "cannot pull $image; building on bases made here (hack/build-base-image.sh)"
      return 1
    }
  done < <(for member in "${MEMBERS[@]}"; do
    sed -n 's/^ARG \(PYTHON_IMAGE\|UV_IMAGE\)=//p' "$member/Dockerfile"
  done | sort -u)
}

main() {
  local base_args=() line client secret=() member started previous
  case "${CRPBOT_BASE_IMAGES:-local}" in
    local | auto) ;;
    *) log "error: CRPBOT_BASE_IMAGES must be local or auto"; exit 2 ;;
  esac
  if [ "${CRPBOT_BASE_IMAGES:-local}" = auto ] && public_bases_available; then
    log "building on the Dockerfiles' public bases"
  else
    while IFS= read -r line; do
      base_args+=(--build-arg "$line")
    done < <(hack/build-base-image.sh)
  fi
  client=$(buildkit_client)
  if [ -n "${SSL_CERT_FILE:-}" ] && [ -f "$SSL_CERT_FILE" ]; then
    secret=(--secret "id=ca-bundle,src=$SSL_CERT_FILE")
  fi
  for member in "${MEMBERS[@]}"; do
    [ -f "$member/Dockerfile" ] || { log "error: no $member/Dockerfile"; exit 2; }
    started=$SECONDS
    previous=$(docker image inspect --format '{{.Id}}' "crpbot/$member:$TAG" 2>/dev/null || true)
    log "building crpbot/$member:$TAG"
    DOCKER_BUILDKIT=1 "$client" build --progress plain --file "$member/Dockerfile" \
      --tag "crpbot/$member:$TAG" "${base_args[@]}" "${secret[@]}" \
      --build-arg "SKIP_PACKAGES=$SKIP_PACKAGES" \
      ${TORCH_INDEX_URL:+--build-arg "TORCH_INDEX_URL=$TORCH_INDEX_URL"} . >&2
    log "crpbot/$member:$TAG built in $((SECONDS - started))s"
    drop_superseded "$previous" "crpbot/$member:$TAG"
  done
  for member in "${MEMBERS[@]}"; do
    docker image inspect --format "crpbot/$member:$TAG {{.Size}}" "crpbot/$member:$TAG" \
      | awk '{printf "%s %.0f MB\n", $1, $2 / 1000000}'
  done
}

main
