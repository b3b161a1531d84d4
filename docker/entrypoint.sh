#!/bin/sh
# Install and verify the assets, then run the easel command. `easel assets` takes what a folder
# mounted at /assets has (EASEL_ASSETS), the rest from EASEL_ASSETS_URL or the public sources;
# the volumes on weights/ and presets/ keep them, so a restart only verifies (about a second).
set -e
cd /app
if [ -z "${EASEL_ASSETS:-}" ] && [ -d /assets ]; then
  export EASEL_ASSETS=/assets
fi
./bin/easel.js assets
exec ./bin/easel.js "$@"
