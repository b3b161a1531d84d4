/**
 * Fast feed-forward styles on ONNX Runtime: the networks of fast-style/architecture.ts as ONNX graphs
 * (fast-style-graph.ts), one cached session per network, any image size.
 *
 * Any input size works as on the tfjs runner: the image is mirror-padded (bottom and right) to a
 * multiple of 4, run, and cropped back, so odd sizes come out at exactly the input's size.
 * An ORT run cannot be interrupted, so the AbortSignal is checked before and after it.
 */
import { silentLogger, type Logger } from '../../log.ts';
import type { RgbImage } from '../../images/types.ts';
import { OUTPUT_OFFSET, SIZE_MULTIPLE } from '../fast-style/architecture.ts';
import type { FastStyleRunner } from '../fast-style/types.ts';
import { FastStyleError, isFastStyleNetwork, loadFastStyleWeights } from '../fast-style/weights.ts';
import { RenderCancelled } from '../types.ts';
import { buildFastStyleModel } from './fast-style-graph.ts';
import { chooseProvider, DEFAULT_PROVIDERS, loadOrt, sessionOptions, type Ort } from './runtime.ts';
import { SessionCache } from './session-cache.ts';

export interface OnnxFastStyleOptions {
  /** The weights folder holding fast-style/<id>/ (Config.assets.weightsDir). */
  weightsDir: string;
  providers?: readonly string[];
  log?: Logger;
  loadRuntime?: () => Promise<Ort>;
  /** Idle network sessions kept (default 3). */
  maxIdleSessions?: number;
}

/**
 * RGB bytes → Float32 NHWC padded at the bottom and right to multiples of `m`: mirrored including the
 * edge pixel (TensorFlow's 'symmetric'), or mid-grey where the image is smaller than the padding.
 */
export function padToMultiple(image: RgbImage, m: number): { data: Float32Array; height: number; width: number } {
  const { width: w, height: h, data } = image;
  const H = Math.ceil(h / m) * m;
  const W = Math.ceil(w / m) * m;
  const mirror = H - h <= h && W - w <= w;
  const out = new Float32Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    const sy = y < h ? y : 2 * h - 1 - y;
    for (let x = 0; x < W; x++) {
      const sx = x < w ? x : 2 * w - 1 - x;
      const o = (y * W + x) * 3;
      if ((y < h && x < w) || mirror) {
        const i = (sy * w + sx) * 3;
        out[o] = data[i];
        out[o + 1] = data[i + 1];
        out[o + 2] = data[i + 2];
      } else {
        out.fill(OUTPUT_OFFSET, o, o + 3);
      }
    }
  }
  return { data: out, height: H, width: W };
}

/** The network's float output (padded size) → the input-sized RGB bytes, rounded. */
function cropToRgb(out: Float32Array, paddedWidth: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = y * paddedWidth * 3;
    for (let i = 0; i < width * 3; i++) data[y * width * 3 + i] = Math.round(out[row + i]);
  }
  return { width, height, data };
}

export async function createOnnxFastStyle(opts: OnnxFastStyleOptions): Promise<FastStyleRunner> {
  const log = opts.log ?? silentLogger;
  const ort = await (opts.loadRuntime ?? loadOrt)();
  const { provider } = await chooseProvider(ort, opts.providers ?? DEFAULT_PROVIDERS, log);
  const options = sessionOptions(provider);
  const sessions = new SessionCache((model) => ort.InferenceSession.create(model, options), opts.maxIdleSessions ?? 3);

  async function run(id: string, image: RgbImage, signal?: AbortSignal): Promise<RgbImage> {
    const { width, height, data } = image;
    if (!(width > 0 && height > 0) || data.length !== width * height * 3) throw new FastStyleError(`bad RgbImage ${width}x${height} with ${data.length} bytes`);
    if (!isFastStyleNetwork(id)) throw new FastStyleError(`unknown fast-style network '${id}'`);
    if (signal?.aborted) throw new RenderCancelled();
    const lease = await sessions.acquire(id, async () => buildFastStyleModel(id, await loadFastStyleWeights(opts.weightsDir, id)));
    try {
      if (signal?.aborted) throw new RenderCancelled();
      const padded = padToMultiple(image, SIZE_MULTIPLE);
      const { y } = await lease.session.run({ x: new ort.Tensor('float32', padded.data, [1, padded.height, padded.width, 3]) });
      if (signal?.aborted) throw new RenderCancelled();
      return cropToRgb(y.data as Float32Array, padded.width, width, height);
    } finally {
      lease.release();
    }
  }

  return {
    engine: 'onnx',
    backend: provider,
    run,
    dispose: () => sessions.dispose(),
  };
}
