#!/usr/bin/env bash
# Installs the pinned uv from PyPI when it is missing, and prints the command to call.
set -euo pipefail
UV_VERSION=${UV_VERSION:-0.13.8}
if command -v uv >/dev/null 2>&1; then command -v uv; exit 0; fi
python3 -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}" >&2
hash -r
command -v uv 2>/dev/null || python3 -c 'import shutil,sys; p=shutil.which("uv"); sys.exit(p is None) or print(p)'
