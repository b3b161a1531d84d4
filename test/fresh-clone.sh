#!/usr/bin/env bash
# The README's quick start on a fresh clone with nothing beside it: `git clone` into an empty
# folder under /tmp (no ../shared there), the assets served by a loopback mirror
# (EASEL_ASSETS_URL, test/helpers/assets-mirror.ts serving the assets folder), then
# `npm ci && npm run demo` must paint out/demo.png. Run from a checkout: bash test/fresh-clone.sh
# (clones what is committed; EASEL_ASSETS or ../shared/assets is the folder the mirror serves).
set -euo pipefail
cd "$(dirname "$0")/.."
assets="${EASEL_ASSETS:-../shared/assets}"
[ -d "$assets" ] || { echo "fresh-clone: no assets folder to serve ($assets)" >&2; exit 1; }
start=$SECONDS
fresh="$(mktemp -d /tmp/easel-fresh.XXXXXX)"
mirror_pid=""
cleanup() {
  [ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null || true
  rm -rf "$fresh"
}
trap cleanup EXIT

git clone -q "$PWD" "$fresh/repo"
[ ! -e "$fresh/shared" ] || { echo "fresh-clone: $fresh/shared exists" >&2; exit 1; }
npx tsx test/helpers/assets-mirror.ts "$assets" "$fresh/mirror-url" &
mirror_pid=$!
for _ in $(seq 1 100); do [ -s "$fresh/mirror-url" ] && break; sleep 0.1; done
url="$(cat "$fresh/mirror-url")"
echo "fresh-clone: $fresh/repo (commit $(git -C "$fresh/repo" rev-parse --short HEAD)), assets from the mirror at $url"
cd "$fresh/repo"
# Nothing from this checkout's environment that would point at the assets folder.
env -u EASEL_ASSETS EASEL_ASSETS_URL="$url" npm ci --no-audit --no-fund --prefer-offline >"$fresh/npm-ci.log" 2>&1 ||
  { tail -30 "$fresh/npm-ci.log"; exit 1; }
env -u EASEL_ASSETS EASEL_ASSETS_URL="$url" npm run demo
test -s out/demo.png
echo "fresh-clone: npm ci && npm run demo passed in $((SECONDS - start)) s"
