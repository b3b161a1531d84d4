import { describe, expect, it } from 'vitest';
import { MIN_SCALE_PX, TIERS, VGG19_MEAN_ACTIVATION, planScales, resolveOptions, styleLayerWeights, styleWeightFor, LOSS_WEIGHTS, STYLE_LAYERS } from '../../src/engine/params.ts';
import { createTfjsLossBackend } from '../../src/engine/tfjs/index.ts';
import { PAINTINGS, PHOTOS, WEIGHTS, loadImage } from './helpers.ts';

describe('quality tiers → scales', () => {
  it('balanced at 512 px: quarter, half and full size, with the tier’s iterations', () => {
    expect(planScales(512, 'balanced')).toEqual(TIERS.balanced.scales.map((f, i) => ({ size: 512 * f, iterations: TIERS.balanced.iterations[i] })));
  });

  it('merges scales under the minimum into the next one, keeping the total', () => {
    const plan = planScales(128, 'balanced');
    expect(plan.map((p) => p.size)).toEqual([64, 128]);
    expect(plan.every((p) => p.size >= MIN_SCALE_PX)).toBe(true);
    const total = TIERS.balanced.iterations.reduce((a, b) => a + b, 0);
    expect(plan.reduce((a, p) => a + p.iterations, 0)).toBe(total);
    expect(planScales(40, 'best')).toEqual([{ size: 40, iterations: TIERS.best.iterations.reduce((a, b) => a + b, 0) }]);
  });

  it('an explicit iteration count is the total, shared in the tier’s proportions', () => {
    for (const n of [1, 2, 3, 50, 301]) {
      const plan = planScales(512, 'balanced', n);
      expect(plan.reduce((a, p) => a + p.iterations, 0)).toBe(n);
      expect(plan[plan.length - 1].size).toBe(512);
    }
  });
});

describe('strength and weights', () => {
  it('strength maps log-linearly onto the style weight; 0 is the photo', () => {
    expect(styleWeightFor(0.5)).toBe(LOSS_WEIGHTS.style);
    expect(styleWeightFor(1) / styleWeightFor(0.5)).toBeCloseTo(100, 6);
    expect(styleWeightFor(0)).toBe(0);
    const ws = [0.1, 0.3, 0.6, 0.9].map((s) => styleWeightFor(s));
    expect(ws).toEqual([...ws].sort((a, b) => a - b));
    expect(() => styleWeightFor(1.2)).toThrow();
  });

  it('equal layer weights normalised by each layer’s activation scale', () => {
    const w = styleLayerWeights(STYLE_LAYERS);
    w.forEach((wi, i) => expect(wi * VGG19_MEAN_ACTIVATION[STYLE_LAYERS[i]] ** 4).toBeCloseTo(1 / STYLE_LAYERS.length, 10));
  });

  it('the activation scales still describe the network (within 2× on a photo and a painting)', async () => {
    const backend = await createTfjsLossBackend({ weightsDir: WEIGHTS });
    const layers = Object.keys(VGG19_MEAN_ACTIVATION);
    for (const file of [`${PHOTOS}/stata.jpg`, `${PAINTINGS}/the_scream.jpg`]) {
      const img = await loadImage(file, 96);
      const feats = await backend.features(Float32Array.from(img.data), img.height, img.width, layers, 'max');
      feats.forEach((f, i) => {
        const mean = f.reduce((a, b) => a + b, 0) / f.length;
        const ratio = mean / VGG19_MEAN_ACTIVATION[layers[i]];
        expect(ratio, `${layers[i]} on ${file}`).toBeGreaterThan(0.5);
        expect(ratio, `${layers[i]} on ${file}`).toBeLessThan(2);
      });
    }
  });
});

describe('resolveOptions', () => {
  it('fills defaults, keeps given values, ignores undefined ones', () => {
    const o = resolveOptions({ strength: 0.8, seed: undefined }, { size: 256, quality: 'draft' });
    expect(o).toMatchObject({ size: 256, quality: 'draft', strength: 0.8, optimizer: 'lbfgs', init: 'content', pooling: 'max', styleScale: 1, seed: 0, preserveColors: false });
  });

  it('refuses impossible values', () => {
    const d = { size: 256, quality: 'draft' as const, maxSize: 1024 };
    expect(() => resolveOptions({ size: 16 }, d)).toThrow(/size/);
    expect(() => resolveOptions({ size: 2048 }, d)).toThrow(/maximum/);
    expect(() => resolveOptions({ strength: -1 }, d)).toThrow(/strength/);
    expect(() => resolveOptions({ iterations: 0 }, d)).toThrow(/iterations/);
    expect(() => resolveOptions({ styleScale: 0 }, d)).toThrow(/styleScale/);
  });
});
