#!/bin/bash
# Builds the two packs for a GPU lease, from the Easel repo root:  bash bench/gpu-lease/prepare.sh [BENCH_ENTRY]
# (adapted from the tested recipe in ../shared/gpu-lease; see bench/gpu-lease/README.md)
#   BENCH_ENTRY: the project's GPU bench (TypeScript, bundled with esbuild); default bench/gpu.ts.
#   .gpuA/a.tar.xz  onnxruntime-node 1.29.0 (linux-x64 only) + its CUDA EP (pruned to sm_90) + providers_shared
#   .gpuB/b.tar.xz  node, the bundled bench, sharp, weights/vgg19 + fast-style/udnie, probe + device script
# Needs: npm registry, xz, python3, the repo's node_modules (esbuild, sharp) and installed weights.
set -euo pipefail
REPO=$(pwd); REC=${REC:-$(cd "$(dirname "$0")" && pwd)}; W=${WORK:-$(mktemp -d -t easel-gpu-prep.XXXX)}
ENTRY=$(realpath "${1:-bench/gpu.ts}"); [ -f "$ENTRY" ] || { echo "no bench entry at $ENTRY"; exit 1; }
mkdir -p "$W"/A "$W"/B "$REPO"/.gpuA "$REPO"/.gpuB
cd "$W"
# onnxruntime-node 1.29.0, without its postinstall (which would fetch the CUDA EP from nuget.org)
[ -d ort/node_modules/onnxruntime-node ] || { mkdir -p ort && cd ort && npm init -y >/dev/null \
  && npm install --no-audit --no-fund --ignore-scripts onnxruntime-node@1.29.0 >/dev/null && cd ..; }
# the CUDA EP 1.29.0 (a copy of NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux 1.29.0's runtimes/linux-x64/native)
[ -f gpu/package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so ] || { mkdir -p gpu && cd gpu \
  && npm pack --silent com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 >/dev/null && tar xzf com.github.asus4.onnxruntime.linux-x64-gpu-0.4.9.tgz && cd ..; }
P=gpu/package/Plugins/Linux/x64
strings -n 6 $P/libonnxruntime_providers_cuda.so | grep -x '1.29.0' >/dev/null || { echo "CUDA EP is not 1.29.0"; exit 1; }
# the same files `easel gpu install` accepts (sums recorded in src/engine/onnx/provider-install.ts)
for f in libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
  grep -q "$(sha256sum $P/$f | cut -d' ' -f1)" "$REPO"/src/engine/onnx/provider-install.ts || { echo "$f: sha256 is not the recorded one"; exit 1; }
done
# pack A: node_modules/onnxruntime-node (JS + linux/x64) + onnxruntime-common + the providers
rm -rf A && mkdir -p A/node_modules
cp -r ort/node_modules/onnxruntime-common A/node_modules/
cp -r ort/node_modules/onnxruntime-node A/node_modules/
rm -rf A/node_modules/onnxruntime-node/bin/napi-v6/{darwin,win32,linux/arm64}
X=A/node_modules/onnxruntime-node/bin/napi-v6/linux/x64
cp $P/libonnxruntime_providers_shared.so $X/
python3 "$REC"/prune-fatbin.py $P/libonnxruntime_providers_cuda.so $X/libonnxruntime_providers_cuda.so 90
tar -C A -cf - node_modules | xz -9e -T2 > "$REPO"/.gpuA/a.tar.xz
# pack B: node (stripped official v20 build), bench bundle, sharp, weights, probe, device script
rm -rf B && mkdir -p B/node_modules/@img B/weights
cp "$(command -v node)" B/node && strip --strip-all B/node
(cd "$REPO" && node_modules/.bin/esbuild "$ENTRY" --bundle --platform=node --format=esm --target=node20 \
  --external:onnxruntime-node --external:sharp '--external:@tensorflow/*' --log-level=warning \
  "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" --outfile="$W"/B/gpu-bench.mjs)
for m in sharp detect-libc semver @img/colour @img/sharp-linux-x64 @img/sharp-libvips-linux-x64; do cp -r "$REPO"/node_modules/$m B/node_modules/$m; done
cp -r "$REPO"/weights/vgg19 B/weights/
mkdir -p B/weights/fast-style && cp -r "$REPO"/weights/fast-style/udnie B/weights/fast-style/
cp "$REC"/probe.cjs "$REC"/probe.onnx "$REC"/device-2.sh B/
tar -C B -cf - . | xz -9e -T2 > "$REPO"/.gpuB/b.tar.xz
ls -l "$REPO"/.gpuA/a.tar.xz "$REPO"/.gpuB/b.tar.xz
echo "tracked+untracked tree: $(cd "$REPO" && git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1) bytes"
