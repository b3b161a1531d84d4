# Easel images. Targets:
#   cpu       bot and CPU workers (ONNX Runtime CPU, TensorFlow.js wasm)
#   gpu       GPU worker: ONNX Runtime 1.29.0 with its CUDA 13 execution provider (`easel gpu
#             install`, from the npm registry) on a CUDA 13 + cuDNN 9 runtime base; or, with
#             --build-arg GPU_ENGINE=tfjs (and a CUDA 11 GPU_BASE), TensorFlow.js on tfjs-node-gpu
# Assets (weights, preset paintings) are not in the image: the entrypoint installs and verifies
# them (`easel assets`) before it starts the command — from a folder mounted at /assets, a mirror
# (EASEL_ASSETS_URL), or the public sources — into weights/ and presets/ (volumes keep them).
# No `# syntax=` line: BuildKit would fetch that frontend from Docker Hub; the built-in one does.

# Build arguments used in FROM lines must be declared before the first stage. NODE_IMAGE can name
# a locally made equivalent where Docker Hub cannot be reached (docker/local-base-images.sh).
ARG NODE_IMAGE=node:20-bookworm-slim
# The CUDA provider is built with CUDA 13 (libcublasLt.so.13, libcudart.so.13, …) and needs cuDNN 9
# and a host driver >= 580; a CUDA 12 base fails the build's provider check. Not built here (no
# Docker Hub): the tag is NVIDIA's naming for CUDA 13.0 + cuDNN runtime images.
ARG GPU_BASE=nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04

# ── cpu-deps: production node_modules, trimmed to what a Linux CPU image runs ───────────────────
FROM ${NODE_IMAGE} AS cpu-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: no native builds or downloads are needed on CPU (sharp and onnxruntime-node
# ship prebuilt binaries). Then drop what this image never loads:
#   - @tensorflow/tfjs-node-gpu (optional, GPU only: unbuilt without its install script) and the
#     whole of @tensorflow/tfjs it pulls in (converter, data, webgl backend …);
#   - onnxruntime-node's binaries for other systems and CPUs (darwin, win32, the other Linux arch);
#   - source maps.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm uninstall --no-save --ignore-scripts --no-audit --no-fund @tensorflow/tfjs-node-gpu \
 && arch="$(node -p process.arch)" \
 && find node_modules/onnxruntime-node/bin -mindepth 2 -maxdepth 2 ! -name linux -exec rm -rf {} + \
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 ! -name "$arch" -exec rm -rf {} + \
 && find node_modules -name '*.map' -type f -delete \
 && node -e "require('onnxruntime-node'); require('sharp')" \
 && npm cache clean --force

# ── cpu ──────────────────────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS cpu
# A sans-serif font for the preset gallery's captions (drawn by sharp/librsvg).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=cpu-deps /app/node_modules ./node_modules
COPY package.json package-lock.json .npmrc tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY bench ./bench
COPY presets/presets.json presets/README.md ./presets/
COPY weights/README.md ./weights/
COPY docker/entrypoint.sh /usr/local/bin/easel-entrypoint
# `easel assets` installs into weights/ and presets/images, presets/photos at start (docker-compose.yml
# keeps them in named volumes, which start as copies of these folders, owned by node).
RUN mkdir -p weights presets/images presets/photos presets/cache && chown -R node:node /app/weights /app/presets
USER node
EXPOSE 3000 9464
ENTRYPOINT ["easel-entrypoint"]
CMD ["start"]

# ── gpu: a GPU worker ────────────────────────────────────────────────────────────────────────
# Default: ONNX Runtime with its CUDA 13 execution provider (CUDA 13 / cuDNN 9 base).
# TensorFlow.js on libtensorflow GPU instead (needs CUDA 11.8 + cuDNN 8 and, at npm install,
# libtensorflow 2.x downloaded from storage.googleapis.com; not tested):
#   docker build --target gpu --build-arg GPU_ENGINE=tfjs \
#     --build-arg GPU_BASE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04 -t easel:gpu-tfjs .
FROM ${GPU_BASE} AS gpu
ARG GPU_ENGINE=onnx
COPY --from=cpu /usr/local/bin/node /usr/local/bin/node
COPY --from=cpu /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && useradd -m -u 1000 node \
 && apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production EASEL_ASSETS=/assets EASEL_ENGINE=${GPU_ENGINE}
# A GPU worker never paints on the CPU unnoticed: it refuses to start when CUDA cannot load.
ENV EASEL_ONNX_PROVIDERS=cuda
COPY package.json package-lock.json .npmrc ./
# tfjs: install scripts run, so @tensorflow/tfjs-node-gpu downloads libtensorflow (needs internet).
# onnx: .npmrc skips ORT's NuGet download; `easel gpu install` (below) fetches the provider with npm.
RUN if [ "$GPU_ENGINE" = tfjs ]; then \
      npm ci --omit=dev --no-audit --no-fund && node -e "require('@tensorflow/tfjs-node-gpu')"; \
    else \
      npm ci --omit=dev --no-audit --no-fund; \
    fi && npm cache clean --force
COPY --from=cpu /app/tsconfig.json ./
COPY --from=cpu /app/bin ./bin
COPY --from=cpu /app/src ./src
COPY docker/check-cuda-provider.sh /usr/local/bin/easel-check-cuda-provider
# The CUDA provider from the npm registry (sha256 and version checked), then `ldd` over it: the
# build fails, naming the library, when the base lacks one (e.g. a CUDA 12 base).
RUN if [ "$GPU_ENGINE" != tfjs ]; then \
      node bin/easel.js gpu install && npm cache clean --force && easel-check-cuda-provider; \
    fi
COPY --from=cpu /app/bench ./bench
COPY --from=cpu /app/presets ./presets
COPY --from=cpu /app/weights ./weights
COPY docker/entrypoint.sh /usr/local/bin/easel-entrypoint
RUN chown -R node:node /app/weights /app/presets
USER node
ENTRYPOINT ["easel-entrypoint"]
CMD ["worker"]
