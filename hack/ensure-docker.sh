#!/usr/bin/env bash
# Makes a Docker engine available: installs Debian's docker.io when dockerd is missing and
# starts dockerd in the background when nothing answers on its socket. Idempotent: with an
# engine already answering it only checks and returns. Exit 1 with one line saying why when
# no engine can be had (the container tests then skip with that reason).
#
# Why not rely on `docker`: on the dev machines /usr/local/bin/docker is a lone client binary
# without an engine; Debian's docker.io puts dockerd in /usr/bin. There is no systemd in these
# containers-of-machines, so dockerd runs as a plain background process logging to a file.
set -euo pipefail

CACHE_DIR="${CRPBOT_CACHE_DIR:-$HOME/.cache/crpbot}"
LOG_FILE="${CRPBOT_DOCKERD_LOG:-$CACHE_DIR/dockerd.log}"
SOCKET=/var/run/docker.sock
WAIT_SECONDS=${CRPBOT_DOCKERD_WAIT:-60}

log() { echo "ensure-docker: $*" >&2; }
fail() {
  log "error: $*"
  exit 1
}

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

install_engine() {
  command -v dockerd >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  log "installing Debian's docker.io (dockerd is not installed)"
  $sudo apt-get update -qq >&2 || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    docker.io >&2 || fail "apt-get install docker.io failed"
  command -v dockerd >/dev/null 2>&1 || fail "docker.io installed but dockerd is not on PATH"
}

start_engine() {
  [ "$(id -u)" -eq 0 ] || fail "dockerd is not running and only root can start it here"
  mkdir -p "$(dirname "$LOG_FILE")"
  log "starting dockerd (log: $LOG_FILE)"
  # setsid: dockerd outlives this script and the test run that called it.
  setsid dockerd >>"$LOG_FILE" 2>&1 </dev/null &
  local waited=0
  until engine_answers; do
    if ! kill -0 $! 2>/dev/null; then
      fail "dockerd exited at start: $(tail -n 1 "$LOG_FILE")"
    fi
    [ "$waited" -ge "$WAIT_SECONDS" ] && fail "dockerd did not answer on $SOCKET within ${WAIT_SECONDS}s (log: $LOG_FILE)"
    sleep 1
    waited=$((waited + 1))
  done
}

main() {
  if engine_answers; then
    log "engine answers: $(docker info --format '{{.ServerVersion}} {{.Driver}} cgroup v{{.CgroupVersion}}')"
    return 0
  fi
  install_engine
  command -v docker >/dev/null 2>&1 || fail "no docker client on PATH"
  start_engine
  log "engine started: $(docker info --format '{{.ServerVersion}} {{.Driver}} cgroup v{{.CgroupVersion}}')"
}

main
