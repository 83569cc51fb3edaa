#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io and start dockerd if needed.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

docker_ok() { timeout 20 docker info >/dev/null 2>&1; }

if docker_ok; then
  exit 0
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

if ! docker_ok; then
  log="${TMPDIR:-/tmp}/dockerd.log"
  echo "ensure-docker: starting dockerd (log: $log)" >&2
  as_root sh -c "nohup dockerd >'$log' 2>&1 &"
  for _ in $(seq 1 60); do
    docker_ok && break
    sleep 1
  done
fi

docker_ok || { echo "ensure-docker: the Docker engine did not come up" >&2; exit 1; }
