#!/usr/bin/env bash
# Builds the local stand-in for the chart's optional PostgreSQL image (hack/postgres/: Debian's
# postgresql packages on the Debian base of hack/build-base-image.sh, with a small entrypoint
# keeping the official image's contract the chart uses). No registry can serve
# docker.io/library/postgres here; the real-node path test installs the chart with
# `postgresql.enabled=true` and this image named in `postgresql.image.*`.
#
# Cached: the tag carries a hash of the inputs (the base image, the Dockerfile, the
# entrypoint), so a rerun with the image present returns at once; the image it replaces is
# removed. The last stdout line is the image name: crpbot-local/postgres:<major>-<hash>.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_MAJOR=15 # Debian bookworm's PostgreSQL
log() { echo "build-postgres-image: $*" >&2; }

PYTHON_IMAGE=$(hack/build-base-image.sh | sed -n 's/^PYTHON_IMAGE=//p')
HASH=$({
  echo "$PYTHON_IMAGE $PG_MAJOR"
  cat hack/postgres/Dockerfile hack/postgres/docker-entrypoint.sh
} | sha1sum | cut -c1-12)
TAG="crpbot-local/postgres:$PG_MAJOR-$HASH"

if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "reusing $TAG"
else
  started=$SECONDS
  log "building $TAG"
  docker build --quiet --build-arg "BASE_IMAGE=$PYTHON_IMAGE" --build-arg "PG_MAJOR=$PG_MAJOR" \
    --tag "$TAG" hack/postgres >&2
  log "$TAG built in $((SECONDS - started))s ($(docker image inspect --format '{{.Size}}' "$TAG" \
    | awk '{printf "%.0f MB", $1 / 1000000}'))"
  # Earlier builds of the recipe (other hashes) are dropped unless something still uses them.
  docker image ls --format '{{.Repository}}:{{.Tag}}' crpbot-local/postgres \
    | grep -vxF "$TAG" | xargs -r docker image rm >/dev/null 2>&1 || true
fi
echo "$TAG"
