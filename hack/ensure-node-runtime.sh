#!/usr/bin/env bash
# Makes the real test node's runtime available: Debian's containerd (CRI plugin), runc and
# containernetworking-plugins (bridge, host-local, portmap in /usr/lib/cni). Installs the
# missing packages with apt; starts nothing (tests/k8s/node_runtime.py runs its own
# containerd). Exit 1 with one line saying why when they cannot be had, so the real-node
# tests skip with that reason.
set -euo pipefail

log() { echo "ensure-node-runtime: $*" >&2; }

missing_packages() {
  command -v containerd >/dev/null 2>&1 && command -v ctr >/dev/null 2>&1 || echo containerd
  command -v runc >/dev/null 2>&1 || echo runc
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || echo containernetworking-plugins
}

main() {
  local packages sudo=""
  mapfile -t packages < <(missing_packages)
  if [ ${#packages[@]} -eq 0 ]; then
    log "present: $(containerd --version | cut -d' ' -f1-3), runc, CNI plugins in /usr/lib/cni"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  log "installing ${packages[*]}"
  $sudo apt-get update -qq >&2 || { log "error: apt-get update failed"; exit 1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >&2 || { log "error: apt-get install ${packages[*]} failed"; exit 1; }
  mapfile -t packages < <(missing_packages)
  [ ${#packages[@]} -eq 0 ] || { log "error: still missing after install: ${packages[*]}"; exit 1; }
}

main
