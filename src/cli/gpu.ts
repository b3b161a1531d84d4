/** `easel gpu install`: the CUDA execution provider from the npm registry (engine/onnx/provider-install.ts). */
import { diagnoseProvider } from '../engine/onnx/provider-deps.ts';
import { installCudaProvider } from '../engine/onnx/provider-install.ts';

export async function runGpuInstall(opts: { tarball?: string; json?: boolean }): Promise<void> {
  const result = await installCudaProvider({ tarball: opts.tarball });
  const check = diagnoseProvider('cuda');
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...result, check }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    result.changed
      ? `easel: CUDA provider installed from ${result.source} into ${result.binDir} (${result.files.join(', ')}; sha256 and version checked)\n`
      : `easel: CUDA provider already installed in ${result.binDir} (sha256 checked): nothing to do\n`,
  );
  process.stdout.write(check.ok ? `easel: ${check.reason}\n` : `easel: not ready to render on the GPU yet — ${check.reason}\n       fix: install the CUDA 13 user libraries (cuBLAS, cudart, cuRAND, cuDNN 9; driver ≥ 580), see the README's "GPU workers"\n`);
}
