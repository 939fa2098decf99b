#!/bin/sh
# Image build step (build stage only): install one workspace member and its locked
# dependencies, non-editable, into the venv at $UV_PROJECT_ENVIRONMENT.
#
#   sync-venv.sh <member-package> [deps-only]
#
# torch from PyPI pulls the CUDA wheels (nvidia-*, triton: several GB). When the build
# argument TORCH_INDEX_URL is set (e.g. PyTorch's CPU wheel index), everything else still comes
# from uv.lock, but torch is installed at the SAME locked version from that index instead and
# the CUDA-only packages are left out. uv.lock is not touched, so dev machines keep theirs.
# SKIP_PACKAGES (space-separated) leaves further locked packages out, those of the member's
# lock that exist: PyPI's torch imports without triton (only torch.compile needs it).
# A CA bundle mounted as the build secret `ca-bundle` is what uv trusts (TLS-intercepting
# proxies); it is read from the secret mount and never copied into the venv.
set -eu
member=$1
mode=${2:-all}
flags="--frozen --no-dev --no-default-groups --package $member --no-editable"
[ "$mode" = "deps-only" ] && flags="$flags --no-install-workspace"
[ -f /run/secrets/ca-bundle ] && export SSL_CERT_FILE=/run/secrets/ca-bundle

locked=$(uv export --frozen --no-dev --no-default-groups --package "$member" --no-hashes)
for pkg in ${SKIP_PACKAGES:-}; do
  printf '%s\n' "$locked" | grep -q "^$pkg==" && flags="$flags --no-install-package $pkg"
done

if [ -z "${TORCH_INDEX_URL:-}" ] || ! printf '%s\n' "$locked" | grep -q '^torch=='; then
  # shellcheck disable=SC2086
  exec uv sync $flags
fi

torch_version=$(printf '%s\n' "$locked" | sed -n 's/^torch==\([^ ;]*\).*/\1/p')
skip="--no-install-package torch"
for pkg in $(printf '%s\n' "$locked" | sed -n 's/^\(nvidia-[a-z0-9-]*\|cuda-[a-z0-9-]*\|triton\)==.*/\1/p'); do
  skip="$skip --no-install-package $pkg"
done
# shellcheck disable=SC2086
uv sync --inexact $flags $skip
uv pip install --python "$UV_PROJECT_ENVIRONMENT/bin/python" --no-deps \
  --index-url "$TORCH_INDEX_URL" "torch==$torch_version"
