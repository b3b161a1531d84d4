import { describe, expect, it } from 'vitest';
import { MIN_SCALE_PX, TIERS, STRENGTH_DECADES, planScales, resolveOptions, styleWeightFor, lossMixFor, LOSS_WEIGHTS } from '../../src/engine/params.ts';
import { lossWeights } from '../../src/engine/loss-spec.ts';

describe('quality tiers → scales', () => {
  it('a tier’s scales are fractions of the size, with the tier’s iterations', () => {
    for (const q of ['draft', 'balanced', 'best'] as const) {
      expect(planScales(512, q)).toEqual(TIERS[q].scales.map((f, i) => ({ size: 512 * f, iterations: TIERS[q].iterations[i] })));
    }
  });

  // Every shipped tier is one scale today (coarse-to-fine measured no gain, params.ts); the planner
  // still handles several, for a tier that wants them.
  const coarseToFine = { scales: [0.5, 1], iterations: [16, 4] };

  it('merges scales under the minimum into the next one, keeping the total', () => {
    const plan = planScales(80, coarseToFine); // half of 80 is under MIN_SCALE_PX
    expect(plan).toEqual([{ size: 80, iterations: 20 }]);
    expect(MIN_SCALE_PX).toBeGreaterThan(40);
    expect(planScales(96, coarseToFine).map((p) => p.size)).toEqual([48, 96]);
  });

  it('an explicit iteration count is the total, shared in the tier’s proportions', () => {
    for (const n of [1, 2, 3, 50, 301]) {
      const plan = planScales(512, coarseToFine, n);
      expect(plan.reduce((a, p) => a + p.iterations, 0)).toBe(n);
      expect(plan[plan.length - 1].size).toBe(512);
    }
  });
});

describe('strength and weights', () => {
  it('strength maps log-linearly onto the style weight; 0 is the photo', () => {
    expect(styleWeightFor(0.5)).toBe(LOSS_WEIGHTS.style);
    expect(styleWeightFor(1) / styleWeightFor(0.5)).toBeCloseTo(10 ** STRENGTH_DECADES, 6);
    expect(styleWeightFor(0)).toBe(0);
    const ws = [0.1, 0.3, 0.6, 0.9].map((s) => styleWeightFor(s));
    expect(ws).toEqual([...ws].sort((a, b) => a - b));
    expect(() => styleWeightFor(1.2)).toThrow();
    expect(lossMixFor(0.5)).toEqual(LOSS_WEIGHTS);
  });

  it('lossWeights divides each term by its target’s energy, so the weights are scale-free', () => {
    const contentTarget = Float32Array.from([1, 2, 3, 4]); // mean square 7.5
    const styleTargets = [Float32Array.from([2, 0, 0, 2]), Float32Array.from([30, 0, 0, 40])]; // 2, 625
    const w = lossWeights({ content: 1, style: 3, tv: 0.5 }, { contentTarget, styleTargets });
    expect(w.contentWeight).toBeCloseTo(1 / 7.5, 12);
    expect(w.styleLayerWeights[0]).toBeCloseTo(1 / 2, 12);
    expect(w.styleLayerWeights[1]).toBeCloseTo(1 / 625, 12);
    expect(w.styleWeight).toBe(3);
    expect(w.tvWeight).toBe(0.5);
    // ×10 on every activation: Grams ×100, energies ×10⁴ — the weighted terms do not change
    const scaled = lossWeights({ content: 1, style: 3, tv: 0.5 }, { contentTarget: contentTarget.map((v) => 10 * v), styleTargets: styleTargets.map((t) => t.map((v) => 100 * v)) });
    expect(scaled.contentWeight * 100).toBeCloseTo(w.contentWeight, 12);
    scaled.styleLayerWeights.forEach((wl, l) => expect(wl * 1e4).toBeCloseTo(w.styleLayerWeights[l], 12));
    expect(() => lossWeights(LOSS_WEIGHTS, { contentTarget: new Float32Array(4), styleTargets })).toThrow(/content target/);
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
