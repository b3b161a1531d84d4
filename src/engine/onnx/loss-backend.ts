/**
 * The ONNX Runtime LossBackend: VGG19 features, Gram matrices and the Gatys loss with its gradient,
 * each as an ONNX model built in TypeScript (vgg-graph.ts) and run by one cached session per size.
 *
 * The evaluator feeds the optimiser's Float32Array directly (no copy), reuses pre-allocated output
 * tensors on every run, and finishes the loss in float64 from per-row partial sums: ORT's float32
 * reductions over a whole Gram matrix drift by ~2e-5 relative, enough to confuse L-BFGS's line search.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { silentLogger, type Logger } from '../../log.ts';
import type { Evaluation, Evaluator, LayerName, LossBackend, LossSpec, Pooling } from '../types.ts';
import { loadVggWeights, type ConvWeights } from '../vgg19/weights.ts';
import { chooseProvider, DEFAULT_PROVIDERS, loadOrt, sessionOptions, type Ort } from './runtime.ts';
import { SessionCache, type AcquireOptions } from './session-cache.ts';
import { activationShape, buildLossModel, buildProbeModel, LOSS_IO } from './vgg-graph.ts';

export interface OnnxLossBackendOptions {
  /** Folder with weights/vgg19 (model.json + shards)… i.e. the `weights` folder, or vgg19 itself. */
  weightsDir: string;
  /** Execution providers to try, in order (default: cuda, then cpu). */
  providers?: readonly string[];
  log?: Logger;
  /** How to load onnxruntime-node (tests pass a failing loader to exercise the fallback). */
  loadRuntime?: () => Promise<Ort>;
  /** Idle sessions kept per kind (loss / probe); default 3. */
  maxIdleSessions?: number;
  /** Images above this many pixels get large sessions (see LARGE_SESSION_PIXELS). */
  largeSessionPixels?: number;
}

/**
 * Sessions for images above this many pixels are large: every idle session is released before one
 * is used (so that it runs alone), and it is released as soon as it is done (its memory arena holds
 * ~0.9 KB per pixel: 0.6 GB at 1024×683) instead of being kept for the next render. A render's large
 * scale is its last, and its evaluations are long enough that making the session again costs little.
 * Loss sessions have a memory arena at every size (see runtime.ts); feature and Gram sessions only
 * when large (a small one runs once per image, and is kept: without its arena, it holds only weights).
 */
export const LARGE_SESSION_PIXELS = 512 * 512;

export async function createOnnxLossBackend(opts: OnnxLossBackendOptions): Promise<LossBackend> {
  const log = opts.log ?? silentLogger;
  const ort = await (opts.loadRuntime ?? loadOrt)();
  const { provider, skipped } = await chooseProvider(ort, opts.providers ?? DEFAULT_PROVIDERS, log);
  const weights = await loadVggWeights(vggDir(opts.weightsDir));
  const options = sessionOptions(provider);
  const lossOptions = sessionOptions(provider, { arena: true });
  const lossSessions = new SessionCache((model) => ort.InferenceSession.create(model, lossOptions), opts.maxIdleSessions ?? 3);
  const probeSessions = new SessionCache((model) => ort.InferenceSession.create(model, options), opts.maxIdleSessions ?? 3);
  const largeProbeSessions = new SessionCache((model) => ort.InferenceSession.create(model, lossOptions), 0);
  const largePixels = opts.largeSessionPixels ?? LARGE_SESSION_PIXELS;
  /** Before a large session is used: every idle session goes, so that it runs alone. */
  const makeRoom = () => Promise.all([lossSessions.releaseIdle(), probeSessions.releaseIdle(), largeProbeSessions.releaseIdle()]);
  log.info({ engine: 'onnx', backend: provider, skipped, threads: options.intraOpNumThreads }, 'onnx loss backend ready');

  async function probe(image: Float32Array, height: number, width: number, pooling: Pooling, features: LayerName[], grams: LayerName[]): Promise<Float32Array[]> {
    checkImage(image, height, width);
    for (const name of [...features, ...grams]) {
      const [, h, w] = activationShape(name, height, width);
      if (h < 1 || w < 1) throw new Error(`image ${width}×${height} is too small for VGG19's ${name}`);
    }
    const key = `probe:${pooling}:f=${features.join(',')}:g=${grams.join(',')}`;
    const large = height * width > largePixels;
    if (large) await makeRoom();
    const lease = await (large ? largeProbeSessions : probeSessions).acquire(key, () => buildProbeModel({ pooling, features, grams }, weights), { keepIdle: !large });
    try {
      const out = await lease.session.run({ x: new ort.Tensor('float32', image, [1, height, width, 3]) });
      const gramOut = grams.map((name, i) => {
        // G = F Fᵀ / M: the probe model has symbolic sizes, so M is applied here.
        const [, h, w] = activationShape(name, height, width);
        const g = out[`gram_${i}`].data as Float32Array;
        for (let k = 0; k < g.length; k++) g[k] /= h * w;
        return g;
      });
      return [...features.map((_, i) => out[`feature_${i}`].data as Float32Array), ...gramOut];
    } finally {
      lease.release();
    }
  }

  return {
    engine: 'onnx',
    backend: provider,
    features: (image, height, width, layers, pooling) => probe(image, height, width, pooling, layers, []),
    grams: (image, height, width, layers, pooling) => probe(image, height, width, pooling, [], layers),
    async createEvaluator(spec) {
      const large = spec.height * spec.width > largePixels;
      if (large) await makeRoom();
      return createEvaluator(ort, lossSessions, weights, spec, { keepIdle: !large });
    },
    dispose() {
      void lossSessions.dispose();
      void probeSessions.dispose();
      void largeProbeSessions.dispose();
    },
  };
}

/** Accepts the weights folder or its vgg19 subfolder. */
function vggDir(weightsDir: string): string {
  return /(^|[\\/])vgg19[\\/]?$/.test(weightsDir) ? weightsDir : `${weightsDir.replace(/[\\/]$/, '')}/vgg19`;
}

function checkImage(image: Float32Array, height: number, width: number): void {
  if (image.length !== height * width * 3) throw new Error(`image has ${image.length} values, expected ${height}×${width}×3`);
}

function sum64(values: Float32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

async function createEvaluator(ort: Ort, sessions: SessionCache, weights: Map<string, ConvWeights>, spec: LossSpec, acquire: AcquireOptions): Promise<Evaluator> {
  const { height: H, width: W, pooling, contentLayer, styleLayers } = spec;
  if (spec.styleTargets.length !== styleLayers.length || spec.styleLayerWeights.length !== styleLayers.length) {
    throw new Error(`LossSpec: ${styleLayers.length} style layers but ${spec.styleTargets.length} targets and ${spec.styleLayerWeights.length} weights`);
  }
  const contentShape = activationShape(contentLayer, H, W);
  const [cc, ch, cw] = contentShape;
  if (spec.contentTarget.length !== cc * ch * cw) throw new Error(`LossSpec: content target has ${spec.contentTarget.length} values, ${contentLayer} at ${H}×${W} has ${cc * ch * cw}`);
  const styleShapes = styleLayers.map((name, i) => {
    const shape = activationShape(name, H, W);
    if (spec.styleTargets[i].length !== shape[0] ** 2) throw new Error(`LossSpec: style target for ${name} must be ${shape[0]}×${shape[0]}`);
    return shape;
  });

  const key = `loss:${H}x${W}:${pooling}:${contentLayer}:${styleLayers.join(',')}`;
  const lease = await sessions.acquire(key, () => buildLossModel({ height: H, width: W, pooling, contentLayer, styleLayers }, weights).model, acquire);
  const { session } = lease;

  // Constant inputs, prepared once: the targets and the factor of each term's gradient.
  const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
  const coef = (v: number) => f32(Float32Array.of(v), [1]);
  const contentM = ch * cw;
  const feeds: Record<string, Tensor> = {
    [LOSS_IO.contentTarget]: f32(spec.contentTarget, [1, ch, cw, cc]),
    [LOSS_IO.contentCoef]: coef((spec.contentWeight * 2) / (contentM * cc)),
    [LOSS_IO.tvCoef]: coef((spec.tvWeight * 2) / (H * W * 3)),
  };
  styleLayers.forEach((_, i) => {
    const [c, h, w] = styleShapes[i];
    feeds[LOSS_IO.styleTarget(i)] = f32(spec.styleTargets[i], [c, c]);
    feeds[LOSS_IO.styleCoef(i)] = coef((spec.styleWeight * spec.styleLayerWeights[i] * 4) / (c * c * h * w));
  });

  // Outputs written in place on every run: no allocation per iteration.
  const grad = new Float32Array(H * W * 3);
  const fetches: Record<string, Tensor> = {
    [LOSS_IO.grad]: f32(grad, [1, H, W, 3]),
    [LOSS_IO.contentSq]: f32(new Float32Array(cc), [cc]),
    [LOSS_IO.tvSqV]: f32(new Float32Array(H - 1), [H - 1]),
    [LOSS_IO.tvSqH]: f32(new Float32Array(H), [H]),
  };
  styleShapes.forEach(([c], i) => (fetches[LOSS_IO.styleSq(i)] = f32(new Float32Array(c), [c])));
  const partial = (name: string) => fetches[name].data as Float32Array;

  let busy: Promise<unknown> = Promise.resolve();
  let disposed = false;

  async function run(x: Float32Array): Promise<Evaluation> {
    if (disposed) throw new Error('evaluator is disposed');
    checkImage(x, H, W);
    feeds[LOSS_IO.x] = f32(x, [1, H, W, 3]);
    await session.run(feeds, fetches as InferenceSession.FetchesType);
    // Finish the reductions in float64 (see the header).
    // Parts are the unweighted terms of loss-spec.ts (as the tfjs engine reports them); total is weighted.
    const content = sum64(partial(LOSS_IO.contentSq)) / (contentM * cc);
    let style = 0;
    styleShapes.forEach(([c], i) => (style += (spec.styleLayerWeights[i] * sum64(partial(LOSS_IO.styleSq(i)))) / (c * c)));
    const tv = (sum64(partial(LOSS_IO.tvSqV)) + sum64(partial(LOSS_IO.tvSqH))) / (H * W * 3);
    const total = spec.contentWeight * content + spec.styleWeight * style + spec.tvWeight * tv;
    return { loss: total, grad, parts: { content, style, tv, total } };
  }

  return {
    // Runs one at a time: the output buffers are shared between calls.
    evaluate(x) {
      const next = busy.then(() => run(x));
      busy = next.catch(() => undefined);
      return next;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      lease.release();
    },
  };
}
