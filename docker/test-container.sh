#!/usr/bin/env bash
# `npm run test:container`: builds the cpu image through docker compose, starts Redis + a worker +
# a bot against the Discord fake on loopback, sends one /stylize, waits for the result in the
# thread, checks /healthz, and tears everything down (docker/container-smoke.ts does those steps).
#
# Uses the engine at DOCKER_HOST when one answers; otherwise starts its own dockerd, leaving the
# machine as it was: no firewall rules (--iptables=false), no bridge (--bridge=none; the test's
# containers use the host's network), its own --data-root under the cache folder (base images and
# build cache are kept there for the next run), stopped by its PID when the test ends.
# Base images: node:20-bookworm-slim and redis:7-alpine when they can be pulled, else made
# locally from Debian's packages (docker/local-base-images.sh). Tools: docker/install-engine.sh.
#
# Exit status: 0 passed, 1 failed, 3 no container engine could be started here (the reason is printed).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${EASEL_CONTAINER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/easel-container-test}"
export EASEL_CONTAINER_CACHE="$CACHE"
mkdir -p "$CACHE"
start=$SECONDS
log() { echo "container-test: $*"; }
unavailable() { log "SKIP: no container engine: $*"; exit 3; }

command -v docker >/dev/null || unavailable "the docker CLI is not installed (docker/install-engine.sh installs it from Debian)"
if [ -z "${COMPOSE:-}" ]; then
  if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"
  elif [ -x "$CACHE/compose/usr/libexec/docker/cli-plugins/docker-compose" ]; then COMPOSE="$CACHE/compose/usr/libexec/docker/cli-plugins/docker-compose"
  else unavailable "Docker Compose >= 2.24 not found (docker/install-engine.sh unpacks Debian's)"; fi
fi
export COMPOSE

dockerd_pid=""
run_dir=""
cleanup() {
  local rc=$?
  if [ -n "$dockerd_pid" ]; then
    log "stopping the dockerd this test started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$dockerd_pid" 2>/dev/null || true
    # Its containerd (started by dockerd, same run dir) goes with it; unmount what it left mounted.
    grep -o " $run_dir[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$run_dir"
  fi
  log "total $((SECONDS - start)) s"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${DOCKER_HOST:-}" ] && docker info >/dev/null 2>&1; then
  log "using the engine at $DOCKER_HOST"
elif [ -z "${DOCKER_HOST:-}" ] && docker info >/dev/null 2>&1 && [ -z "${EASEL_CT_OWN_ENGINE:-}" ]; then
  log "using the running engine"
else
  command -v dockerd >/dev/null || unavailable "dockerd is not installed (docker/install-engine.sh installs Debian's docker.io)"
  [ "$(id -u)" = 0 ] || unavailable "starting dockerd needs root"
  run_dir="$(mktemp -d /tmp/easel-dockerd.XXXXXX)"
  log "starting dockerd (--iptables=false --bridge=none, data root $CACHE/docker)"
  dockerd --iptables=false --ip6tables=false --bridge=none --ip-forward=false --ip-masq=false \
    --data-root "$CACHE/docker" --exec-root "$run_dir/exec" --pidfile "$run_dir/dockerd.pid" \
    -H "unix://$run_dir/docker.sock" >"$run_dir/dockerd.log" 2>&1 &
  dockerd_pid=$!
  export DOCKER_HOST="unix://$run_dir/docker.sock"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
  if ! docker info >/dev/null 2>&1; then
    reason="$(grep -iE 'level=(fatal|error)' "$run_dir/dockerd.log" | tail -3 | sed 's/.*msg=//')"
    unavailable "dockerd did not start: ${reason:-see $run_dir/dockerd.log}"
  fi
  log "dockerd $(docker version --format '{{.Server.Version}}') up in $((SECONDS - start)) s ($(docker info --format '{{.Driver}}'))"
fi

if [ -z "${NODE_IMAGE:-}" ] || [ -z "${REDIS_IMAGE:-}" ]; then
  if timeout 60 docker pull -q node:20-bookworm-slim >/dev/null 2>&1 && timeout 60 docker pull -q redis:7-alpine >/dev/null 2>&1; then
    log "base images pulled from Docker Hub"
  else
    log "Docker Hub not reachable: base images made locally (cached)"
    t=$SECONDS
    eval "export $(docker/local-base-images.sh)"
    log "base images ready in $((SECONDS - t)) s: $NODE_IMAGE, $REDIS_IMAGE"
  fi
fi
# The containers download their assets at start (nothing mounted) from a loopback mirror of this
# assets folder; EASEL_ASSETS_HOST=<folder> mounts a folder instead.
if [ -z "${EASEL_ASSETS_HOST:-}" ]; then
  export CT_ASSETS_FOLDER="${CT_ASSETS_FOLDER:-${EASEL_ASSETS:-../shared/assets}}"
  [ -d "$CT_ASSETS_FOLDER" ] || { log "no assets folder for the mirror ($CT_ASSETS_FOLDER): set CT_ASSETS_FOLDER or EASEL_ASSETS_HOST"; exit 1; }
  log "assets: downloaded by the containers from a loopback mirror of $CT_ASSETS_FOLDER"
else
  log "assets: mounted from $EASEL_ASSETS_HOST"
fi

npx tsx docker/container-smoke.ts
for ref in easel:cpu; do
  docker image inspect "$ref" --format "container-test: image $ref: {{.Size}} bytes" 2>/dev/null | awk '{printf "%s %s %.0f MB\n", $1, $2" "$3, $4/1e6}' || true
done
