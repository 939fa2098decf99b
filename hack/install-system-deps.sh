#!/usr/bin/env bash
# Installs the system packages the test suite runs for real, when they are missing:
# PostgreSQL (started by the test fixtures), Java 17 (TorchServe's frontend), kubectl.
# Debian packages only; needs root (as on the dev machines and CI) or sudo.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v kubectl >/dev/null 2>&1 || need+=(kubectl)
if [ ${#need[@]} -eq 0 ]; then
  echo "system deps present: postgresql, java, kubectl" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing system packages: ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
