#!/usr/bin/env bash
# Prints the path of the newest pyenv-installed CPython 3.12. uv must be handed this
# interpreter directly: through pyenv's shims it would see the global 3.11 and fail.
set -euo pipefail
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
py=$(ls -d "$root"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$py" ]; then
  echo "error: no Python 3.12 under $root/versions (install one with 'pyenv install 3.12')" >&2
  exit 1
fi
echo "$py"
