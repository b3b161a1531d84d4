/**
 * The TensorFlow.js LossBackend: loss terms on hand-computed tensors, the custom conv gradient
 * against tfjs's own, the evaluator's gradient against finite differences, and tensor hygiene.
 * Real VGG19 weights, tiny images.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjs, tf } from '../../src/engine/tfjs/backend.ts';
import { createTfjsLossBackend } from '../../src/engine/tfjs/index.ts';
import { contentLoss, gram, styleLayerLoss, styleLoss, tvLoss } from '../../src/engine/tfjs/losses.ts';
import { convReluStock, flippedTransposedKernel, makeConvRelu } from '../../src/engine/tfjs/conv-grad.ts';
import { loadVggNet } from '../../src/engine/tfjs/vgg-net.ts';
import { STYLE_LAYERS, CONTENT_LAYER } from '../../src/engine/params.ts';
import { lossWeights } from '../../src/engine/loss-spec.ts';
import { mulberry32 } from '../../src/engine/init.ts';
import type { LossBackend, LossSpec } from '../../src/engine/types.ts';
import { relativeDistance } from '../../src/engine/distance.ts';
import { PAINTINGS, PHOTOS, WEIGHTS, loadImage } from './helpers.ts';

type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;

let backend: LossBackend;
beforeAll(async () => {
  await initTfjs('auto');
  backend = await createTfjsLossBackend({ weightsDir: WEIGHTS });
});

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (2 * r() - 1) * scale);
}

describe('loss terms on hand-computed tensors', () => {
  it('Gram = FᵀF / M', () => {
    // 1×2 positions, 2 channels: p1 = (1, 2), p2 = (3, 4) → FᵀF = [[10, 14], [14, 20]], M = 2
    const g = tf.tidy(() => gram(tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2])).arraySync());
    expect(g).toEqual([[5, 7], [7, 10]]);
  });

  it('style loss = Σ w_l · mean((G − A)²)', () => {
    const l = tf.tidy(() => styleLoss([tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2])], [tf.tensor2d([4, 7, 7, 12], [2, 2])], [2]).arraySync());
    // G − A = [[1, 0], [0, −2]] → mean of squares 5/4, weight 2
    expect(l).toBeCloseTo(2.5, 6);
  });

  it('content loss = mean((F − P)²)', () => {
    const l = tf.tidy(() => contentLoss(tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([1, 1, 1, 1])).arraySync());
    expect(l).toBeCloseTo(3.5, 6);
  });

  it('total variation = (Σ vertical² + Σ horizontal²) / (H·W·3)', () => {
    // every channel [[0, 1], [3, 5]]: vertical 3² + 4², horizontal 1² + 2² → 30 per channel, 90 / 12
    const px = [0, 1, 3, 5].flatMap((v) => [v, v, v]);
    const l = tf.tidy(() => tvLoss(tf.tensor4d(px, [1, 2, 2, 3])).arraySync());
    expect(l).toBeCloseTo(7.5, 6);
  });

  it('the backend’s grams are the Grams of its features (computed here in plain JS)', async () => {
    const img = await loadImage(`${PHOTOS}/golden_gate.jpg`, 40);
    const x = Float32Array.from(img.data);
    const [f] = await backend.features(x, img.height, img.width, ['relu2_1'], 'max');
    const [g] = await backend.grams(x, img.height, img.width, ['relu2_1'], 'max');
    const c = 128;
    const m = f.length / c;
    expect(m).toBe(Math.floor(img.height / 2) * Math.floor(img.width / 2));
    const expected = new Float64Array(c * c);
    for (let p = 0; p < m; p++) for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) expected[i * c + j] += (f[p * c + i] * f[p * c + j]) / m;
    expect(relativeDistance(g, expected)).toBeLessThan(1e-5);
  });
});

describe('style loss gradient written out', () => {
  it('matches autodiff of mean((FᵀF/M − A)²) (rel err < 1e-4)', () => {
    const f = tf.tensor4d(randomArray(6 * 5 * 8, 11, 3).map(Math.abs), [1, 6, 5, 8]);
    const r = tf.tensor2d(randomArray(64, 12, 2), [8, 8]);
    const a = tf.div(tf.add(r, tf.transpose(r)), 2) as import('@tensorflow/tfjs-core').Tensor2D; // targets are Grams: symmetric
    const plain = (v: Tensor4D) => tf.mean(tf.squaredDifference(tf.div(tf.matMul(tf.reshape(v, [30, 8]), tf.reshape(v, [30, 8]), true, false), 30), a));
    const gOurs = tf.grad((v) => styleLayerLoss(v as Tensor4D, a))(f);
    const gAuto = tf.grad((v) => plain(v as Tensor4D))(f);
    expect(relativeDistance(gOurs.dataSync(), gAuto.dataSync())).toBeLessThan(1e-4);
    expect(styleLayerLoss(f, a).dataSync()[0]).toBeCloseTo(plain(f).dataSync()[0], 4);
    tf.dispose([f, r, a, gOurs, gAuto]);
  });
});

describe('custom conv2d input gradient', () => {
  it('matches tfjs’s own gradient on random input and weights (rel err < 1e-4)', () => {
    const kernel = tf.tensor4d(randomArray(3 * 3 * 5 * 4, 1), [3, 3, 5, 4]);
    const bias = tf.tensor1d(randomArray(4, 2, 0.5));
    const layer = { kernel, bias, kernelForInputGrad: flippedTransposedKernel(kernel) };
    const x = tf.tensor4d(randomArray(9 * 7 * 5, 3, 2), [1, 9, 7, 5]);
    const probe = tf.tensor4d(randomArray(9 * 7 * 4, 4), [1, 9, 7, 4]);
    const fast = makeConvRelu(layer);
    const gFast = tf.grad((v) => tf.sum(tf.mul(fast(v as Tensor4D), probe)))(x);
    const gStock = tf.grad((v) => tf.sum(tf.mul(convReluStock(layer, v as Tensor4D), probe)))(x);
    expect(relativeDistance(gFast.dataSync(), gStock.dataSync())).toBeLessThan(1e-4);
    // and the forward pass is the same op
    expect(relativeDistance(fast(x).dataSync(), convReluStock(layer, x).dataSync())).toBeLessThan(1e-5);
    tf.dispose([kernel, bias, layer.kernelForInputGrad, x, probe, gFast, gStock]);
  });

  it('matches on a real VGG19 layer (conv2_1, 64 → 128 channels)', async () => {
    const net = await loadVggNet(WEIGHTS);
    const layer = net.convs.get('conv2_1')!;
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(randomArray(12 * 10 * 64, 5, 50).map(Math.abs), [1, 12, 10, 64]);
    const probe = tf.tensor4d(randomArray(12 * 10 * 128, 6), [1, 12, 10, 128]);
    const gFast = tf.grad((v) => tf.sum(tf.mul(layer.convRelu(v as Tensor4D), probe)))(x);
    const gStock = tf.grad((v) => tf.sum(tf.mul(convReluStock(layer, v as Tensor4D), probe)))(x);
    expect(relativeDistance(gFast.dataSync(), gStock.dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, probe, gFast, gStock]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

async function smallSpec(h: number, w: number, pooling: 'max' | 'avg' = 'max'): Promise<LossSpec & { x: Float32Array }> {
  const photo = await loadImage(`${PHOTOS}/golden_gate.jpg`);
  const painting = await loadImage(`${PAINTINGS}/starry_night.jpg`);
  const sharp = (await import('sharp')).default;
  const resize = async (img: typeof photo) =>
    Float32Array.from(await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(w, h, { fit: 'fill' }).raw().toBuffer());
  const content = await resize(photo);
  const style = await resize(painting);
  const [contentTarget] = await backend.features(content, h, w, [CONTENT_LAYER], pooling);
  const styleTargets = await backend.grams(style, h, w, [...STYLE_LAYERS], pooling);
  return {
    height: h, width: w, pooling, contentLayer: CONTENT_LAYER, styleLayers: [...STYLE_LAYERS],
    contentTarget, styleTargets, ...lossWeights({ content: 1, style: 1, tv: 1e-3 }, { contentTarget, styleTargets }),
    x: content.map((v, i) => Math.min(255, Math.max(0, v + 30 * Math.sin(i)))),
  };
}

describe('evaluator', () => {
  for (const pooling of ['max', 'avg'] as const) {
    it(`gradient agrees with central differences of the loss (${pooling} pooling)`, async () => {
      const spec = await smallSpec(32, 40, pooling);
      const ev = await backend.createEvaluator(spec);
      try {
        const at = await ev.evaluate(spec.x);
        const grad = at.grad.slice();
        expect(at.loss).toBeCloseTo(spec.contentWeight * at.parts.content + at.parts.style + 1e-3 * at.parts.tv, 3);
        // Directional derivative along the gradient itself (scaled to ≤ 1 grey level per pixel):
        // along a random direction the change of a float32 loss drowns in its rounding.
        const maxAbs = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
        const v = grad.map((g) => g / maxAbs);
        const eps = 0.05;
        const plus = (await ev.evaluate(spec.x.map((xi, i) => xi + eps * v[i]))).loss;
        const minus = (await ev.evaluate(spec.x.map((xi, i) => xi - eps * v[i]))).loss;
        const numeric = (plus - minus) / (2 * eps);
        const analytic = grad.reduce((s, g, i) => s + g * v[i], 0);
        expect(Math.abs(numeric - analytic) / Math.abs(analytic)).toBeLessThan(1e-2);
      } finally {
        ev.dispose();
      }
    });
  }

  it('leaks no tensors: numTensors returns to its baseline after evaluations and dispose()', async () => {
    const spec = await smallSpec(32, 32);
    const baseline = tf.memory().numTensors;
    const ev = await backend.createEvaluator(spec);
    for (let i = 0; i < 3; i++) await ev.evaluate(spec.x);
    await backend.features(spec.x, 32, 32, ['relu3_1', 'relu5_1'], 'avg');
    await backend.grams(spec.x, 32, 32, ['relu1_1'], 'max');
    ev.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    await expect(ev.evaluate(spec.x)).rejects.toThrow(/dispose/);
  });

  it('reports the loss split into its loss-spec terms', async () => {
    const spec = await smallSpec(32, 32);
    const ev = await backend.createEvaluator({ ...spec, contentWeight: 0, styleWeight: 0, tvWeight: 1 });
    const r = await ev.evaluate(spec.x);
    ev.dispose();
    expect(r.parts.content).toBeGreaterThan(0);
    expect(r.parts.style).toBeGreaterThan(0);
    expect(r.loss).toBeCloseTo(r.parts.tv, 2);
  });
});
