#!/usr/bin/env bash
# Makes the two base images the Dockerfiles start FROM, without any image registry (none is
# reachable here): a minimal Debian bookworm made with debootstrap from Debian's packages,
# with this machine's pyenv CPython 3.12 at /usr/local (where python:3.12-slim keeps its own,
# so the Dockerfiles' UV_PYTHON=/usr/local/bin/python3.12 holds for both), and a one-file
# image holding this machine's uv at /uv (what ghcr.io/astral-sh/uv holds).
#
# Why the host's CPython: bookworm ships 3.11 and trixie 3.13; the pyenv build is linked
# against this Debian's libraries, so a bookworm root file system with the same packages runs
# it unchanged (checked at the end: ssl, sqlite3, ctypes import inside the image).
#
# Cached: the tags carry a hash of the inputs (the recipe version, the Debian suite, mirror and
# packages, the CPython build, the uv binary), so a rerun with an image already present returns at once.
# Stdout: KEY=VALUE lines, the build arguments of `make images`:
#   PYTHON_IMAGE=crpbot-local/python:3.12-bookworm-<hash>
#   UV_IMAGE=crpbot-local/uv:<version>-<hash>
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
# Bump when the recipe of the Python image below changes (part of its tag's hash).
RECIPE=1
# Libraries the CPython build's extension modules link against (minus Tk: no tkinter here).
PACKAGES=ca-certificates,libssl3,libsqlite3-0,libffi8,libncursesw6,libreadline8,libuuid1,libnsl2,libgdbm6,libgdbm-compat4,libbz2-1.0,liblzma5,zlib1g

log() { echo "build-base-image: $*" >&2; }
fail() {
  log "error: $*"
  exit 1
}

# The Debian mirror apt already uses on this machine (deb822 or one-line sources).
debian_mirror() {
  local uri
  uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -oE 'https?://[^ ]*/debian/?$|https?://[^ ]*/debian ' | head -n 1 | tr -d ' ' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

MIRROR=$(debian_mirror)
PY=$(hack/python312.sh)
PY_PREFIX=$(cd "$(dirname "$PY")/.." && pwd)
# The uv binary itself: ensure-uv.sh may print a pyenv shim (a script that runs pyenv).
real_uv() {
  local uv
  uv=$(hack/ensure-uv.sh)
  [ "$(head -c 4 "$uv")" = $'\x7fELF' ] || uv=$(pyenv which uv)
  [ "$(head -c 4 "$uv")" = $'\x7fELF' ] || fail "no uv binary found (ensure-uv.sh gave $uv)"
  echo "$uv"
}
UV=$(real_uv)
UV_VERSION=$("$UV" --version | awk '{print $2}')

inputs_hash() {
  {
    echo "$RECIPE $SUITE $MIRROR $PACKAGES"
    "$PY" -VV
    sha1sum "$PY_PREFIX/lib/libpython3.12.so.1.0"
  } | sha1sum | cut -c1-12
}

HASH=$(inputs_hash)
PYTHON_TAG="crpbot-local/python:3.12-${SUITE}-${HASH}"
UV_TAG="crpbot-local/uv:${UV_VERSION}-$("$UV" --version | cat - "$UV" | sha1sum | cut -c1-12)"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_python_image() {
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
  }
  local root="$WORK/rootfs"
  log "debootstrap $SUITE (minbase) from $MIRROR (log: $WORK/debootstrap.log)"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || fail "debootstrap failed: $(tail -n 3 "$WORK/debootstrap.log")"
  # Updates and security fixes for apt-get inside image builds (the model server's Java).
  cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian*}/debian-security $SUITE-security main
EOF
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  log "copying CPython from $PY_PREFIX to /usr/local"
  # Left out: the test suite, Tk, the static library, and whatever the host installed.
  tar -C "$PY_PREFIX" -c \
    --exclude=lib/python3.12/test --exclude=lib/python3.12/idlelib \
    --exclude=lib/python3.12/tkinter --exclude=lib/python3.12/turtledemo \
    --exclude='lib/python3.12/lib-dynload/_tkinter*' --exclude='*.a' \
    --exclude='lib/python3.12/site-packages/*' --exclude=__pycache__ \
    bin include lib share | tar -C "$root/usr/local" -x
  # Its RUNPATH names the host prefix; ld.so finds libpython in /usr/local/lib instead.
  chroot "$root" ldconfig
  tar -C "$root" -c . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' \
    - "$PYTHON_TAG" >&2
  docker run --rm --network none "$PYTHON_TAG" python3.12 -c \
    'import ssl, sqlite3, ctypes, lzma, bz2, zlib, uuid, readline; print("python ok", ssl.OPENSSL_VERSION)' >&2 \
    || { docker rmi "$PYTHON_TAG" >/dev/null; fail "CPython does not run in the image"; }
}

build_uv_image() {
  mkdir -p "$WORK/uv"
  cp "$UV" "$WORK/uv/uv"
  tar -C "$WORK/uv" -c uv | docker import - "$UV_TAG" >&2
}

main() {
  hack/ensure-docker.sh
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  if have_image "$PYTHON_TAG"; then log "reusing $PYTHON_TAG"; else build_python_image; fi
  if have_image "$UV_TAG"; then log "reusing $UV_TAG"; else build_uv_image; fi
  echo "PYTHON_IMAGE=$PYTHON_TAG"
  echo "UV_IMAGE=$UV_TAG"
}

main
