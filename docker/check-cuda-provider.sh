#!/bin/sh
# Fails (exit 1) when `ldd` finds a library that the CUDA execution provider needs but the image
# lacks — e.g. libcublasLt.so.13 on a CUDA 12 base — and names it. Run by the Dockerfile's `gpu`
# target after `easel gpu install`, so an image that could only paint on the CPU is never built.
#   docker/check-cuda-provider.sh [PROVIDER_SO]   (default: onnxruntime-node's, from the app folder)
# The NVIDIA driver's libcuda.so.1 is not in the image (the container runtime mounts it from the
# host at run time), so it is allowed to be missing here; EASEL_ALLOW_MISSING lists others
# (space-separated sonames). LD_LIBRARY_PATH is honoured, as the loader does.
set -eu
so="${1:-node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so}"
allow="libcuda.so.1 ${EASEL_ALLOW_MISSING:-}"
if [ ! -f "$so" ]; then
  echo "check-cuda-provider: $so is not installed (run: npx easel gpu install)" >&2
  exit 1
fi
if ! out="$(ldd "$so" 2>&1)"; then
  echo "check-cuda-provider: ldd could not read $so: $out" >&2
  exit 1
fi
missing=""
for lib in $(printf '%s\n' "$out" | awk '/=> not found/ { print $1 }'); do
  case " $allow " in *" $lib "*) continue ;; esac
  missing="$missing $lib"
done
if [ -n "$missing" ]; then
  echo "check-cuda-provider: $(basename "$so") needs libraries this image lacks:$missing" >&2
  echo "check-cuda-provider: the provider is built with CUDA 13: use a CUDA 13 + cuDNN 9 runtime base (GPU_BASE, README \"GPU workers\")" >&2
  exit 1
fi
echo "check-cuda-provider: $(basename "$so"): every library it needs is present"
