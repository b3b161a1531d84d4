/**
 * The TensorFlow.js LossBackend: VGG19 features, Gram targets and an autodiff evaluator of the
 * Gatys loss. This is the reference implementation the ONNX engine is tested against.
 *
 * Tensors: the network's weights live for the process (loadVggNet); everything an evaluator holds
 * (its targets) is freed by its dispose(); everything an evaluation makes is freed before it returns.
 */
import { initTfjs, tf, type TfBackendPreference } from './backend.ts';
import { loadVggNet, vggForward, type VggNet } from './vgg-net.ts';
import { contentLoss, gram, styleLoss, tvLoss } from './losses.ts';
import type { Evaluation, Evaluator, LossBackend, LossSpec } from '../types.ts';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Tensor2D = import('@tensorflow/tfjs-core').Tensor2D;
type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;
type Scalar = import('@tensorflow/tfjs-core').Scalar;

export interface TfjsLossBackendOptions {
  /** Folder holding vgg19/ (or the vgg19 folder itself). */
  weightsDir: string;
  backend?: TfBackendPreference;
}

export async function createTfjsLossBackend(opts: TfjsLossBackendOptions): Promise<LossBackend & { readonly detail: string }> {
  const { backend, detail } = await initTfjs(opts.backend ?? 'auto');
  const net = await loadVggNet(opts.weightsDir);
  const live = new Set<Evaluator>();

  const imageTensor = (image: Float32Array, height: number, width: number): Tensor4D => {
    if (image.length !== height * width * 3) throw new Error(`image has ${image.length} values, expected ${height}×${width}×3`);
    return tf.tensor4d(image, [1, height, width, 3]);
  };

  return {
    engine: 'tfjs',
    backend,
    detail,
    async features(image, height, width, layers, pooling) {
      const outs = tf.tidy(() => {
        const feats = vggForward(net, imageTensor(image, height, width), layers, pooling);
        return layers.map((l) => feats.get(l)!);
      });
      return readAndDispose(outs);
    },
    async grams(image, height, width, layers, pooling) {
      const outs = tf.tidy(() => {
        const feats = vggForward(net, imageTensor(image, height, width), layers, pooling);
        return layers.map((l) => gram(feats.get(l)!));
      });
      return readAndDispose(outs);
    },
    async createEvaluator(spec) {
      const ev = createTfjsEvaluator(net, spec, () => live.delete(ev));
      live.add(ev);
      return ev;
    },
    dispose() {
      for (const ev of [...live]) ev.dispose();
    },
  };
}

async function readAndDispose(ts: Tensor[]): Promise<Float32Array[]> {
  try {
    return await Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
  } finally {
    tf.dispose(ts);
  }
}

function createTfjsEvaluator(net: VggNet, spec: LossSpec, onDispose: () => void): Evaluator {
  const { height, width, pooling, contentLayer, styleLayers } = spec;
  checkSpec(spec);
  const wanted = [...new Set([contentLayer, ...styleLayers])];
  // Targets are uploaded once per evaluator (i.e. once per scale of a render).
  const contentTarget = tf.tensor(spec.contentTarget);
  const styleTargets = spec.styleTargets.map((t, l) => {
    const c = Math.round(Math.sqrt(t.length));
    if (c * c !== t.length) throw new Error(`style target for ${styleLayers[l]} is not square (${t.length} values)`);
    return tf.tensor2d(t, [c, c]);
  });
  const weights = { content: spec.contentWeight, style: spec.styleWeight, tv: spec.tvWeight };

  /** The total loss; `parts` receives [content, style, tv] (kept past the gradient's tidy). */
  const lossOf = (x: Tensor4D, parts: Tensor[]): Scalar => {
    const feats = vggForward(net, x, wanted, pooling);
    const c = contentLoss(tf.reshape(feats.get(contentLayer)!, [-1]), contentTarget);
    const s = styleLoss(styleLayers.map((l) => feats.get(l)!), styleTargets as Tensor2D[], spec.styleLayerWeights);
    const t = tvLoss(x);
    parts.push(tf.keep(tf.stack([c, s, t])));
    return tf.addN([tf.mul(c, weights.content), tf.mul(s, weights.style), tf.mul(t, weights.tv)]) as Scalar;
  };
  const valueAndGrad = tf.valueAndGrad((x: Tensor) => lossOf(x as Tensor4D, partsSink));
  let partsSink: Tensor[] = [];
  let disposed = false;

  return {
    async evaluate(x: Float32Array): Promise<Evaluation> {
      if (disposed) throw new Error('evaluator used after dispose()');
      if (x.length !== height * width * 3) throw new Error(`x has ${x.length} values, expected ${height}×${width}×3`);
      partsSink = [];
      const xt = tf.tensor4d(x, [1, height, width, 3]);
      let value: Tensor | undefined;
      let grad: Tensor | undefined;
      try {
        ({ value, grad } = valueAndGrad(xt));
        const [loss, g, parts] = await Promise.all([value.data(), grad.data(), partsSink[0].data()]);
        const p = { content: parts[0], style: parts[1], tv: parts[2] };
        return { loss: loss[0], grad: g as Float32Array, parts: { ...p, total: loss[0] } };
      } finally {
        tf.dispose([xt, ...(value ? [value] : []), ...(grad ? [grad] : []), ...partsSink]);
        partsSink = [];
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose([contentTarget, ...styleTargets]);
      onDispose();
    },
  };
}

function checkSpec(spec: LossSpec): void {
  if (spec.styleTargets.length !== spec.styleLayers.length || spec.styleLayerWeights.length !== spec.styleLayers.length) {
    throw new Error('LossSpec: styleLayers, styleTargets and styleLayerWeights must have the same length');
  }
}

