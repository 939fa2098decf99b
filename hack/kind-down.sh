#!/usr/bin/env bash
# Deletes the crpbot kind cluster (and with it every bot, the dev database and its volume).
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER=${CRPBOT_KIND_CLUSTER:-crpbot}
KIND="$(hack/build-tools.sh | tail -n 1)/kind"
if "$KIND" get clusters | grep -qx "$CLUSTER"; then
  "$KIND" delete cluster --name "$CLUSTER"
else
  echo "no kind cluster named $CLUSTER" >&2
fi
