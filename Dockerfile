# syntax=docker/dockerfile:1
# Easel images. Targets:
#   cpu       bot and CPU workers (ONNX Runtime CPU, TensorFlow.js wasm)
#   gpu       GPU worker: ONNX Runtime with its CUDA 12 execution provider, or with
#             --build-arg GPU_ENGINE=tfjs (and a CUDA 11 GPU_BASE) TensorFlow.js on tfjs-node-gpu
# Assets (weights, preset paintings) are not in the image: mount them at /assets; the entrypoint
# installs and verifies them (`easel assets`) before starting the command.

# Build arguments used in FROM lines must be declared before the first stage.
ARG NODE_IMAGE=node:20-bookworm-slim
ARG GPU_BASE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04

# ── cpu ──────────────────────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS cpu
# A sans-serif font for the preset gallery's captions (drawn by sharp/librsvg).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production EASEL_ASSETS=/assets
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: no native builds or downloads are needed on CPU (sharp and onnxruntime-node
# ship prebuilt binaries; the optional tfjs-node-gpu stays unbuilt and is skipped at run time).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY bench ./bench
COPY commands ./commands
COPY presets/presets.json presets/README.md ./presets/
COPY weights/README.md ./weights/
COPY docker/entrypoint.sh /usr/local/bin/easel-entrypoint
RUN chown -R node:node /app/weights /app/presets
USER node
EXPOSE 3000 9464
ENTRYPOINT ["easel-entrypoint"]
CMD ["start"]

# ── gpu: a GPU worker ────────────────────────────────────────────────────────────────────────
# Default: ONNX Runtime with its CUDA 12 execution provider (CUDA 12 / cuDNN 9 base).
# TensorFlow.js on libtensorflow GPU instead (needs CUDA 11):
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
COPY package.json package-lock.json .npmrc ./
# onnx: the command-line flag overrides .npmrc's skip and fetches ORT's CUDA 12 provider.
# tfjs: install scripts run, so @tensorflow/tfjs-node-gpu downloads libtensorflow (needs internet).
RUN if [ "$GPU_ENGINE" = tfjs ]; then \
      npm ci --omit=dev --no-audit --no-fund && node -e "require('@tensorflow/tfjs-node-gpu')"; \
    else \
      npm ci --omit=dev --no-audit --no-fund --onnxruntime-node-install=cuda12; \
    fi && npm cache clean --force
COPY --from=cpu /app/tsconfig.json ./
COPY --from=cpu /app/bin ./bin
COPY --from=cpu /app/src ./src
COPY --from=cpu /app/bench ./bench
COPY --from=cpu /app/commands ./commands
COPY --from=cpu /app/presets ./presets
COPY --from=cpu /app/weights ./weights
COPY docker/entrypoint.sh /usr/local/bin/easel-entrypoint
RUN chown -R node:node /app/weights /app/presets
USER node
ENTRYPOINT ["easel-entrypoint"]
CMD ["worker"]
