#!/bin/sh
# Install and verify the assets mounted at $EASEL_ASSETS, then run the easel command.
set -e
cd /app
./bin/easel.js assets
exec ./bin/easel.js "$@"
