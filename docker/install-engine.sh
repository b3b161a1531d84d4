#!/usr/bin/env bash
# Installs what `npm run test:container` needs, from Debian's packages only:
#   - docker.io (the engine, 20.10 on bookworm) and debootstrap (for locally made base images);
#   - Docker Compose >= 2.24 (the compose file's env_file `required:`). Bookworm's docker-compose is
#     1.29, so the next release's package (trixie: 2.26) is downloaded with apt through a private
#     apt configuration under the cache folder, pointing at the same Debian mirror this machine's
#     apt uses (nothing in /etc/apt changes), and unpacked there. Prints the compose command.
# Starts no service (policy-rc.d keeps apt from starting dockerd). Usage: docker/install-engine.sh
set -euo pipefail

CACHE="${EASEL_CONTAINER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/easel-container-test}"
mkdir -p "$CACHE"
log() { echo "install-engine: $*" >&2; }

compose_ok() { # $@: a compose command; succeeds when it is 2.24 or newer
  local v
  v="$("$@" version --short 2>/dev/null | sed 's/^v//')" || return 1
  [ -n "$v" ] && [ "$(printf '%s\n' 2.24.0 "$v" | sort -V | head -1)" = 2.24.0 ]
}

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  # No service starts during the install (containers and CI machines have no init to hand it to).
  policy_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
  fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } || {
    [ -n "$policy_added" ] && rm -f /usr/sbin/policy-rc.d
    log "could not install ${need[*]}"
    exit 1
  }
  [ -n "$policy_added" ] && rm -f /usr/sbin/policy-rc.d
fi

if docker compose version >/dev/null 2>&1 && compose_ok docker compose; then
  echo "docker compose"
  exit 0
fi
plugin="$CACHE/compose/usr/libexec/docker/cli-plugins/docker-compose"
if [ ! -x "$plugin" ] || ! compose_ok "$plugin"; then
  apt_dir="$CACHE/apt-trixie"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc"
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  [ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $0 ~ /debian/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)"
  [ -n "$mirror" ] || { log "no Debian mirror in /etc/apt"; exit 1; }
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$apt_dir/etc/sources.list"
  opts=(-o "Dir::Etc::sourcelist=$apt_dir/etc/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
  log "docker-compose from Debian trixie (private apt lists in $apt_dir)"
  apt-get "${opts[@]}" update -qq >/dev/null
  (cd "$apt_dir" && rm -f docker-compose_*.deb && apt-get "${opts[@]}" download docker-compose >/dev/null 2>&1)
  rm -rf "$CACHE/compose" && mkdir -p "$CACHE/compose"
  dpkg-deb -x "$apt_dir"/docker-compose_*.deb "$CACHE/compose"
  compose_ok "$plugin" || { log "the unpacked docker-compose is not 2.24 or newer"; exit 1; }
fi
# The plugin binary works as a standalone `docker-compose` with the same subcommands.
echo "$plugin"
