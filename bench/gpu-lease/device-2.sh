#!/bin/bash
# Runs on the GPU machine from the repo root; packs A and B are extracted into .gpu-run/ there. Prints everything.
D=$(realpath "${D:-.gpu-run}"); X=$D/node_modules/onnxruntime-node/bin/napi-v6/linux/x64; cd $D
SP=$(python3 -c 'import site; print(site.getsitepackages()[0])')
export LD_LIBRARY_PATH=$(find "$SP/nvidia" -name 'lib*.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd:)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "== GPU"; nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader
echo "== LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
echo "== CUDA EP: libraries not found (expect none)"; ldd $X/libonnxruntime_providers_cuda.so | grep 'not found' || echo none
echo "== CUDA EP: undefined symbols (expect only Provider_GetHost)"; ldd -r $X/libonnxruntime_providers_cuda.so 2>&1 | grep -i 'undefined symbol' | head -5
echo "== dlopen'd at run time"; for l in libcudnn.so.9 libnvrtc.so.13 libcufft.so.12; do python3 -c "import ctypes,sys; ctypes.CDLL(sys.argv[1]); print(sys.argv[1], 'ok')" $l 2>&1 | tail -1; done
python3 -c 'import torch; print("cudnn (torch)", torch.backends.cudnn.version(), "cuda (torch)", torch.version.cuda)' 2>&1 | tail -1
echo "== fatbin images in the pruned CUDA EP (expect sm_90 x288, sm_120 x1)"; command -v cuobjdump >/dev/null && cuobjdump -lelf $X/libonnxruntime_providers_cuda.so | grep -oE 'sm_[0-9]+a?' | sort | uniq -c
echo "== node"; ./node --version
echo "== probe: y = 2x on CUDA"; timeout 120 ./node probe.cjs $D cuda 2>&1 | tail -5
echo "== bench (bench/gpu.ts; JSON also in \$OUT/gpu-bench.json)"; timeout ${BENCH_TIMEOUT:-360} ./node gpu-bench.mjs --provider cuda --sizes ${SIZES:-256,512,1024} --reps ${REPS:-10} --render-size ${RENDER_SIZE:-512} --weights $D/weights ${OUT:+--out $OUT/gpu-bench.json} 2>&1 | grep -v '^\s*$' | tail -80
nvidia-smi --query-gpu=memory.used --format=csv,noheader
