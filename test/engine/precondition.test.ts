import { describe, expect, it } from 'vitest';
import { imagePreconditioner, pyramidPreconditioner } from '../../src/engine/optim/precondition.ts';
import { optimise } from '../../src/engine/optimise.ts';
import { mulberry32 } from '../../src/engine/init.ts';
import { fnEvaluator } from './helpers.ts';

const randomVector = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => 2 * r() - 1);
};
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('pyramid preconditioner', () => {
  const spec = { width: 13, height: 9, channels: 3, weights: [1, 2, 4, 8] }; // odd sizes: edges of every level
  const n = 13 * 9 * 3;

  it('is symmetric: uᵀPv = vᵀPu (what L-BFGS needs of H₀)', () => {
    const P = pyramidPreconditioner(spec);
    for (let seed = 1; seed < 6; seed++) {
      const u = randomVector(n, seed);
      const v = randomVector(n, seed + 100);
      expect(dot(u, P(v))).toBeCloseTo(dot(v, P(u)), 10);
    }
  });

  it('is positive definite: vᵀPv ≥ w₀·vᵀv, with equality only for pixel noise', () => {
    const P = pyramidPreconditioner(spec);
    for (let seed = 1; seed < 6; seed++) {
      const v = randomVector(n, seed);
      expect(dot(v, P(v))).toBeGreaterThanOrEqual(dot(v, v) - 1e-9);
    }
    // a smooth vector (constant) is lengthened by every level; a checkerboard hardly at all
    const flat = new Float64Array(n).fill(1);
    const checker = Float64Array.from({ length: n }, (_, i) => (Math.floor(i / 3) % 13 + Math.floor(i / 39)) % 2 ? 1 : -1);
    expect(dot(flat, pyramidPreconditioner(spec)(flat)) / dot(flat, flat)).toBeGreaterThan(5);
    expect(dot(checker, P(checker)) / dot(checker, checker)).toBeLessThan(2);
  });

  it('has levels up to a quarter of the longest side, weighted growth^k, channels apart', () => {
    // 64 px: spacings 2, 4, 8, 16 → weights 1, 2, 4, 8, 16
    const v = randomVector(64 * 32 * 3, 3);
    expect(Array.from(imagePreconditioner(64, 32, 2)(v))).toEqual(Array.from(pyramidPreconditioner({ width: 64, height: 32, channels: 3, weights: [1, 2, 4, 8, 16] })(v)));
    const impulse = new Float64Array(64 * 32 * 3);
    impulse[(16 * 64 + 32) * 3] = 1;
    const out = imagePreconditioner(64, 32, 2)(impulse);
    expect(out[(16 * 64 + 32) * 3]).toBeGreaterThan(1);
    expect(out[(16 * 64 + 52) * 3]).toBeGreaterThan(0); // the coarse levels reach 20 px away
    expect(out[(16 * 64 + 32) * 3 + 1]).toBe(0); // channels stay separate
  });

  it('makes L-BFGS converge faster where the slow directions are smooth, as in style transfer', async () => {
    // f(x) = ½ rᵀ(I − 0.999·B)r, r = x − t, B the projection onto 8×8-block averages (eigenvalues 0
    // and 1): pixel detail is stiff (curvature 1) and block structure nearly flat (0.001), as the
    // style loss's gradient is dominated by detail while the deep layers' structure converges slowly.
    const w = 32;
    const h = 32;
    const n = w * h * 3;
    const target = Float64Array.from({ length: n }, (_, i) => {
      const p = Math.floor(i / 3);
      return 128 + 60 * Math.sin((p % w) / 6) * Math.cos(Math.floor(p / w) / 5);
    });
    const blockAverage = (r: Float64Array) => {
      const out = new Float64Array(n);
      for (let by = 0; by < h; by += 8) for (let bx = 0; bx < w; bx += 8) for (let ch = 0; ch < 3; ch++) {
        let sum = 0;
        for (let y = by; y < by + 8; y++) for (let x = bx; x < bx + 8; x++) sum += r[(y * w + x) * 3 + ch];
        for (let y = by; y < by + 8; y++) for (let x = bx; x < bx + 8; x++) out[(y * w + x) * 3 + ch] = sum / 64;
      }
      return out;
    };
    const fn = (x: Float32Array) => {
      const r = Float64Array.from(x, (xi, i) => xi - target[i]);
      const br = blockAverage(r);
      const grad = Float32Array.from(r, (ri, i) => ri - 0.999 * br[i]);
      return { loss: 0.5 * r.reduce((s, ri, i) => s + ri * grad[i], 0), grad };
    };
    const x0 = new Float32Array(n).fill(128);
    const plain = await optimise(fnEvaluator(fn), x0, { optimizer: 'lbfgs', maxEvaluations: 6 });
    const pre = await optimise(fnEvaluator(fn), x0, { optimizer: 'lbfgs', maxEvaluations: 6, lbfgs: { precondition: imagePreconditioner(w, h, 2) } });
    expect(pre.final.loss).toBeLessThan(0.75 * plain.final.loss);
  });
});
