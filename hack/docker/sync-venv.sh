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
# WITHOUT_TORCH=1 leaves out torch and every package that only torch needs (its CUDA wheels,
# triton, sympy, networkx...: `uv export --prune torch`), for an image whose commands never
# import it (the workers image: scan with inference=torchserve, risk guard, Telegram bot).
# A CA bundle mounted as the build secret `ca-bundle` is what uv trusts (TLS-intercepting
# proxies); it is read from the secret mount and never copied into the venv.
set -eu
member=$1
mode=${2:-all}
flags="--frozen --no-dev --no-default-groups --package $member --no-editable"
[ "$mode" = "deps-only" ] && flags="$flags --no-install-workspace"
[ -f /run/secrets/ca-bundle ] && export SSL_CERT_FILE=/run/secrets/ca-bundle

locked=$(uv export --frozen --no-dev --no-default-groups --package "$member" --no-hashes)
skip_packages=${SKIP_PACKAGES:-}
if [ "${WITHOUT_TORCH:-0}" = 1 ]; then
  names() { sed -n 's/^\([A-Za-z0-9._-]*\)==.*/\1/p'; }
  kept=$(uv export --frozen --no-dev --no-default-groups --package "$member" --no-hashes \
    --prune torch | names)
  skip_packages="$skip_packages $(printf '%s\n' "$locked" | names | grep -vxF "$kept" || true)"
fi
for pkg in $skip_packages; do
  printf '%s\n' "$locked" | grep -q "^$pkg==" && flags="$flags --no-install-package $pkg"
done

if [ -z "${TORCH_INDEX_URL:-}" ] || [ "${WITHOUT_TORCH:-0}" = 1 ] \
  || ! printf '%s\n' "$locked" | grep -q '^torch=='; then
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
