import { describe, expect, it } from 'vitest';
import { TIERS, DEFAULT_STRENGTH, DEFAULT_OPTIONS, STRENGTH_CURVE, evaluationsFor, resolveOptions, styleWeightFor, lossMixFor, LOSS_WEIGHTS } from '../../src/engine/params.ts';
import { lossWeights } from '../../src/engine/loss-spec.ts';

describe('quality tiers', () => {
  it('a tier’s budget is its evaluations unless the request names a count', () => {
    for (const q of ['draft', 'balanced', 'best'] as const) {
      expect(evaluationsFor(q)).toBe(TIERS[q].evaluations);
      expect(evaluationsFor(q, 7)).toBe(7);
    }
    expect(TIERS.draft.evaluations).toBeLessThan(TIERS.balanced.evaluations);
    expect(TIERS.balanced.evaluations).toBeLessThan(TIERS.best.evaluations);
  });
});

describe('strength and weights', () => {
  it('strength follows STRENGTH_CURVE (log-interpolated); the default is the paper\'s 3 : 1; 0 is the photo', () => {
    expect(DEFAULT_STRENGTH).toBe(0.75);
    expect(DEFAULT_OPTIONS.strength).toBe(DEFAULT_STRENGTH);
    expect(styleWeightFor(DEFAULT_STRENGTH)).toBe(LOSS_WEIGHTS.style);
    expect(lossMixFor(DEFAULT_STRENGTH)).toEqual(LOSS_WEIGHTS);
    expect([0.25, 0.5, 0.75, 1].map((s) => styleWeightFor(s))).toEqual([0.1, 0.55, 3, 30].map((w) => expect.closeTo(w, 9)));
    expect(STRENGTH_CURVE.map((p) => p.strength)).toEqual([0.25, 0.5, 0.75, 1]);
    // halfway in strength is the geometric mean in weight
    expect(styleWeightFor(0.875)).toBeCloseTo(Math.sqrt(3 * 30), 9);
    expect(styleWeightFor(0)).toBe(0);
    expect(styleWeightFor(0.125)).toBeCloseTo(0.05, 9);
    const ws = [0.05, 0.1, 0.3, 0.6, 0.9, 1].map((s) => styleWeightFor(s));
    expect(ws).toEqual([...ws].sort((a, b) => a - b));
    expect(() => styleWeightFor(1.2)).toThrow();
    expect(styleWeightFor(1, 6)).toBeCloseTo(60, 9);
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
    const d = { size: 256, quality: 'draft' as const };
    expect(() => resolveOptions({ size: 16 }, d)).toThrow(/size/);
    // Caps are the request's (requests/resolve.ts): the engine paints any size it is given.
    expect(resolveOptions({ size: 2048 }, d).size).toBe(2048);
    expect(() => resolveOptions({ strength: -1 }, d)).toThrow(/strength/);
    expect(() => resolveOptions({ iterations: 0 }, d)).toThrow(/iterations/);
    expect(() => resolveOptions({ styleScale: 0 }, d)).toThrow(/styleScale/);
  });
});
