/**
 * The ONNX loss graph against the TensorFlow.js autodiff reference, on the real VGG19 weights and
 * real photos/paintings: features, Gram matrices, the loss and dL/dx, at a square size, non-square
 * sizes that are not multiples of 16 (one odd, so every floor-pool drops a row), both pooling kinds,
 * and several styles blended.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blendGramTargets } from '../../src/engine/loss-spec.ts';
import { createOnnxLossBackend } from '../../src/engine/onnx/loss-backend.ts';
import { createTfjsLossBackend } from '../../src/engine/tfjs/loss-backend.ts';
import type { LossBackend, LossSpec, Pooling } from '../../src/engine/types.ts';
import { loadImage, maxRelativeError, PAINTINGS, PHOTOS, relativeError, seeded, WEIGHTS } from './helpers.ts';

const CONTENT_LAYER = 'relu4_2';
const STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];
const TOLERANCE = 1e-4;

interface Case {
  height: number;
  width: number;
  pooling: Pooling;
  photo: string;
  styles: Array<{ file: string; weight: number; height: number; width: number }>;
}

const CASES: Case[] = [
  {
    height: 32, width: 32, pooling: 'max', photo: 'golden_gate.jpg',
    styles: [
      { file: 'starry_night.jpg', weight: 0.6, height: 32, width: 44 },
      { file: 'the_scream.jpg', weight: 0.4, height: 40, width: 32 },
    ],
  },
  {
    height: 28, width: 44, pooling: 'avg', photo: 'mona_lisa.jpg',
    styles: [
      { file: 'great_wave_hokusai.jpg', weight: 0.5, height: 28, width: 44 },
      { file: 'composition_vii_kandinsky.jpg', weight: 0.3, height: 36, width: 40 },
      { file: 'shipwreck.jpg', weight: 0.2, height: 32, width: 32 },
    ],
  },
  {
    height: 45, width: 35, pooling: 'max', photo: 'dancer_ballerina.jpg',
    styles: [
      { file: 'udnie_picabia.jpg', weight: 1, height: 33, width: 37 },
      { file: 'woman-with-hat-matisse.jpg', weight: 2, height: 45, width: 35 },
    ],
  },
];

let onnx: LossBackend;
let tfjs: LossBackend;

beforeAll(async () => {
  [onnx, tfjs] = await Promise.all([createOnnxLossBackend({ weightsDir: WEIGHTS }), createTfjsLossBackend({ weightsDir: WEIGHTS, backend: 'cpu' })]);
});
afterAll(() => {
  onnx?.dispose();
  tfjs?.dispose();
});

describe.each(CASES)('ONNX vs tfjs autodiff at $height×$width, $pooling pooling', (c) => {
  let spec: LossSpec;
  let x: Float32Array;

  beforeAll(async () => {
    const content = await loadImage(path.join(PHOTOS, c.photo), c.width, c.height);
    // Targets from the ONNX backend (the faster one): both engines are then handed the same spec,
    // and the two backends' features and Grams are compared in a test of their own.
    const [contentTarget] = await onnx.features(content, c.height, c.width, [CONTENT_LAYER], c.pooling);
    const perStyle = await Promise.all(
      c.styles.map(async (s) => onnx.grams(await loadImage(path.join(PAINTINGS, s.file), s.width, s.height), s.height, s.width, STYLE_LAYERS, c.pooling)),
    );
    spec = {
      height: c.height, width: c.width, pooling: c.pooling,
      contentLayer: CONTENT_LAYER, styleLayers: STYLE_LAYERS,
      contentTarget,
      styleTargets: blendGramTargets(perStyle, c.styles.map((s) => s.weight)),
      styleLayerWeights: [0.2, 0.2, 0.2, 0.2, 0.2],
      contentWeight: 1, styleWeight: 1e3, tvWeight: 1e-2,
    };
    // A mid-optimisation image: the photo plus noise, so that no term's gradient is trivially small.
    const rnd = seeded(c.height * 1000 + c.width);
    x = content.map((v) => Math.min(255, Math.max(0, v + (rnd() - 0.5) * 60)));
  });

  it('computes the same features and Gram matrices', async () => {
    const image = x;
    const [fO, fT] = await Promise.all([onnx.features(image, c.height, c.width, [CONTENT_LAYER, 'relu1_2', 'pool3'], c.pooling), tfjs.features(image, c.height, c.width, [CONTENT_LAYER, 'relu1_2', 'pool3'], c.pooling)]);
    fO.forEach((f, i) => expect(relativeError(f, fT[i])).toBeLessThan(1e-5));
    const [gO, gT] = await Promise.all([onnx.grams(image, c.height, c.width, STYLE_LAYERS, c.pooling), tfjs.grams(image, c.height, c.width, STYLE_LAYERS, c.pooling)]);
    gO.forEach((g, i) => expect(relativeError(g, gT[i])).toBeLessThan(1e-5));
  });

  it('computes the same loss and dL/dx (several styles blended)', async () => {
    const ev = await onnx.createEvaluator(spec);
    const ref = await tfjs.createEvaluator(spec);
    try {
      const a = await ev.evaluate(x);
      const b = await ref.evaluate(x);
      expect(Math.abs(a.loss - b.loss) / b.loss).toBeLessThan(TOLERANCE);
      for (const part of ['content', 'style', 'tv'] as const) expect(Math.abs(a.parts[part] - b.parts[part]) / b.parts[part]).toBeLessThan(TOLERANCE);
      expect(relativeError(a.grad, b.grad)).toBeLessThan(TOLERANCE);
      expect(maxRelativeError(a.grad, b.grad)).toBeLessThan(TOLERANCE);
    } finally {
      ev.dispose();
      ref.dispose();
    }
  });

  // The style term dominates the total; each other term is checked on its own so its path is tested too.
  it.each([
    ['content', { contentWeight: 1, styleWeight: 0, tvWeight: 0 }],
    ['total variation', { contentWeight: 0, styleWeight: 0, tvWeight: 1 }],
  ])('computes the same %s gradient on its own', async (_, weights) => {
    const only = { ...spec, ...weights };
    const ev = await onnx.createEvaluator(only);
    const ref = await tfjs.createEvaluator(only);
    try {
      const [a, b] = [await ev.evaluate(x), await ref.evaluate(x)];
      expect(Math.abs(a.loss - b.loss) / b.loss).toBeLessThan(TOLERANCE);
      expect(relativeError(a.grad, b.grad)).toBeLessThan(TOLERANCE);
    } finally {
      ev.dispose();
      ref.dispose();
    }
  });
});
