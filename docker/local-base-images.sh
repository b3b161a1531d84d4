#!/usr/bin/env bash
# Makes the base images the compose file needs when Docker Hub cannot be reached, from Debian's
# packages and this machine's Node.js, and loads them into the engine at $DOCKER_HOST:
#   easel-local/node:20-bookworm-slim   Debian bookworm (debootstrap --variant=minbase) + this
#                                       machine's node and npm in the official image's layout
#                                       (/usr/local/bin/node, /usr/local/lib/node_modules/npm,
#                                       user node with uid 1000): a stand-in for node:20-bookworm-slim
#   easel-local/redis:7-bookworm        the same Debian + Debian's redis-server, a stand-in for redis:7-alpine
# The debootstrap root file system is kept as a tarball in $CACHE (default ~/.cache/easel-container-test)
# and each image is made only when the engine lacks it, so later runs take seconds.
# Usage: docker/local-base-images.sh            prints the two image names as NODE_IMAGE=… REDIS_IMAGE=…
set -euo pipefail

CACHE="${EASEL_CONTAINER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/easel-container-test}"
NODE_IMAGE_LOCAL="easel-local/node:20-bookworm-slim"
REDIS_IMAGE_LOCAL="easel-local/redis:7-bookworm"
DEBIAN_IMAGE_LOCAL="easel-local/debian:bookworm-minbase"
mkdir -p "$CACHE"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
log() { echo "base-images: $*" >&2; }

# The Debian mirror this machine's apt uses (deb822 or one-line sources), so debootstrap goes where apt goes.
debian_mirror() {
  local uri
  uri="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  [ -n "$uri" ] || uri="$(awk '$1 == "deb" && $0 ~ /debian/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)"
  [ -n "$uri" ] || { echo "base-images: no Debian mirror found in /etc/apt" >&2; exit 1; }
  echo "$uri"
}

if ! have_image "$DEBIAN_IMAGE_LOCAL"; then
  rootfs_tar="$CACHE/bookworm-minbase.tar"
  if [ ! -s "$rootfs_tar" ]; then
    command -v debootstrap >/dev/null || { echo "base-images: debootstrap is needed (apt-get install debootstrap)" >&2; exit 1; }
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    log "debootstrap --variant=minbase bookworm (once; cached in $rootfs_tar)"
    start=$SECONDS
    debootstrap --variant=minbase bookworm "$work/rootfs" "$(debian_mirror)" >"$CACHE/debootstrap.log" 2>&1 ||
      { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    tar -C "$work/rootfs" -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
    rm -rf "$work"
    trap - EXIT
    log "root file system made in $((SECONDS - start)) s"
  fi
  docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' "$rootfs_tar" "$DEBIAN_IMAGE_LOCAL" >/dev/null
fi

if ! have_image "$NODE_IMAGE_LOCAL"; then
  node_bin="$(command -v node)"
  node_bin="$(readlink -f "$node_bin")"
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  log "node image from $node_bin ($(node --version)) and npm at $npm_dir"
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/lib/node_modules"
  cp "$node_bin" "$ctx/usr/local/bin/node"
  cp -a "$npm_dir" "$ctx/usr/local/lib/node_modules/npm"
  [ -d "$(dirname "$npm_dir")/corepack" ] && cp -a "$(dirname "$npm_dir")/corepack" "$ctx/usr/local/lib/node_modules/corepack"
  # Where outbound TLS is re-signed by a proxy, npm inside builds needs this machine's CA bundle.
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM easel-local/debian:bookworm-minbase
COPY usr/local /usr/local
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
EOF
  DOCKER_BUILDKIT=0 docker build -q -t "$NODE_IMAGE_LOCAL" "$ctx" >/dev/null
  rm -rf "$ctx"
  trap - EXIT
fi

if ! have_image "$REDIS_IMAGE_LOCAL"; then
  log "redis image from Debian's redis-server"
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  cat >"$ctx/Dockerfile" <<'EOF'
FROM easel-local/debian:bookworm-minbase
RUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
EOF
  DOCKER_BUILDKIT=0 docker build -q --network host -t "$REDIS_IMAGE_LOCAL" "$ctx" >/dev/null
  rm -rf "$ctx"
  trap - EXIT
fi

echo "NODE_IMAGE=$NODE_IMAGE_LOCAL REDIS_IMAGE=$REDIS_IMAGE_LOCAL"
