import { describe, expect, it } from 'vitest';
import { optimise } from '../../src/engine/optimise.ts';
import { cubicStep, strongWolfeSearch } from '../../src/engine/optim/line-search.ts';
import { initialScale, lbfgsDirection } from '../../src/engine/optim/lbfgs.ts';
import { imagePreconditioner } from '../../src/engine/optim/precondition.ts';
import { mulberry32, noiseImage } from '../../src/engine/init.ts';
import { RenderCancelled } from '../../src/engine/types.ts';
import { fnEvaluator } from './helpers.ts';

/** f(x) = Σ a_i (x_i − c_i)², condition number 1e3, minimum at c (inside the pixel box). */
function quadratic(n: number, rel = 0, seed = 1) {
  const rand = mulberry32(seed);
  const a = Float64Array.from({ length: n }, (_, i) => 10 ** (-3 + (3 * i) / (n - 1)));
  const c = Float64Array.from({ length: n }, () => 20 + 200 * rand());
  const noise = mulberry32(seed + 1);
  return {
    c,
    fn: (x: Float32Array) => {
      let loss = 0;
      const grad = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        loss += a[i] * (x[i] - c[i]) ** 2;
        grad[i] = 2 * a[i] * (x[i] - c[i]);
      }
      // float32-like reduction error on the loss only, as ONNX Runtime's reductions show
      return { loss: loss * (1 + rel * (2 * noise() - 1)), grad };
    },
  };
}

/** Rosenbrock in 2-D, shifted and scaled into the box: minimum at (110, 110). */
function rosenbrock(x: Float32Array) {
  const u = (x[0] - 100) / 10;
  const v = (x[1] - 100) / 10;
  const loss = (1 - u) ** 2 + 100 * (v - u * u) ** 2;
  const du = -2 * (1 - u) - 400 * u * (v - u * u);
  const dv = 200 * (v - u * u);
  return { loss, grad: Float32Array.from([du / 10, dv / 10]) };
}

describe('L-BFGS', () => {
  it('reaches the minimum of an ill-conditioned quadratic', async () => {
    const q = quadratic(200);
    const x0 = new Float32Array(200).fill(128);
    const r = await optimise(fnEvaluator(q.fn), x0, { optimizer: 'lbfgs', maxEvaluations: 300 });
    expect(r.final.loss).toBeLessThan(1e-6 * r.initial.loss);
    expect(r.evaluations).toBeLessThanOrEqual(300);
  });

  it('solves Rosenbrock', async () => {
    const r = await optimise(fnEvaluator(rosenbrock), Float32Array.from([88, 110]), { optimizer: 'lbfgs', maxEvaluations: 200 });
    expect(r.x[0]).toBeCloseTo(110, 1);
    expect(r.x[1]).toBeCloseTo(110, 1);
  });

  it('keeps converging when the loss carries 2e-5 relative noise on a large floor', async () => {
    // As in style transfer, the loss does not go to 0: a floor of 1e5 puts ±2 of noise on it, far
    // more than the decrease of a late step. A line search that trusts the noisy value stalls.
    const q = quadratic(200);
    const noise = mulberry32(7);
    const noisy = (x: Float32Array) => {
      const r = q.fn(x);
      return { loss: (1e5 + r.loss) * (1 + 2e-5 * (2 * noise() - 1)), grad: r.grad };
    };
    const r = await optimise(fnEvaluator(noisy), new Float32Array(200).fill(128), { optimizer: 'lbfgs', maxEvaluations: 300 });
    let err = 0;
    r.x.forEach((v, i) => (err = Math.max(err, Math.abs(v - q.c[i]))));
    expect(err).toBeLessThan(1);
  });

  it('keeps pixels in 0–255 and finds a minimum on the bound', async () => {
    // minimum of Σ (x − t)² with t outside the box: the box's corner
    const t = [300, -40, 100];
    const fn = (x: Float32Array) => ({
      loss: t.reduce((s, ti, i) => s + (x[i] - ti) ** 2, 0),
      grad: Float32Array.from(t.map((ti, i) => 2 * (x[i] - ti))),
    });
    const seen: number[][] = [];
    const r = await optimise(fnEvaluator(fn), Float32Array.from([10, 10, 10]), { optimizer: 'lbfgs', maxEvaluations: 50, onStep: (s) => void seen.push([...s.x]) });
    expect(r.x[0]).toBeCloseTo(255, 3);
    expect(r.x[1]).toBeCloseTo(0, 3);
    expect(r.x[2]).toBeCloseTo(100, 2);
    for (const x of seen) for (const v of x) expect(v >= 0 && v <= 255).toBe(true);
  });

  it('stops at the evaluation budget, reports each step once, and returns the best point', async () => {
    const q = quadratic(50);
    const steps: number[] = [];
    const losses: number[] = [];
    const r = await optimise(fnEvaluator(q.fn), new Float32Array(50).fill(128), {
      optimizer: 'lbfgs',
      maxEvaluations: 7,
      onStep: (s) => {
        steps.push(s.step);
        losses.push(s.loss);
      },
    });
    expect(r.stoppedBy).toBe('budget');
    expect(r.evaluations).toBe(7);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.final.loss).toBe(Math.min(...losses));
  });

  it('stops early on a plateau', async () => {
    // a loss that stops improving: flat beyond a small basin
    const fn = (x: Float32Array) => {
      const d = x[0] - 50;
      return { loss: 1 + 1e-9 * d * d, grad: Float32Array.from([2e-9 * d]) };
    };
    const r = await optimise(fnEvaluator(fn), Float32Array.from([200]), { optimizer: 'adam', maxEvaluations: 500, plateau: { window: 10, relTol: 1e-4 } });
    expect(r.stoppedBy).toBe('plateau');
    expect(r.evaluations).toBeLessThan(30);
  });

  it('is cancelled through an AbortSignal with RenderCancelled', async () => {
    const ac = new AbortController();
    const ev = fnEvaluator(quadratic(20).fn);
    const run = optimise(ev, new Float32Array(20).fill(128), { optimizer: 'lbfgs', maxEvaluations: 100, signal: ac.signal, onStep: (s) => (s.step === 3 ? ac.abort() : undefined) });
    await expect(run).rejects.toBeInstanceOf(RenderCancelled);
    expect(ev.calls).toBe(3);
  });

  it('two-loop recursion with one pair reproduces the secant equation H·y = s', () => {
    const s = Float32Array.from([1, 2, -1]);
    const y = Float32Array.from([2, 1, 0.5]);
    const sy = 1 * 2 + 2 * 1 - 0.5;
    const d = lbfgsDirection(y, [s], [y], [1 / sy]); // d = −H·y
    d.forEach((v, i) => expect(-v).toBeCloseTo(s[i], 5));
  });

  it('with a preconditioner too, and the kept H₀ scale gives the same direction as one computed afresh', () => {
    const P = imagePreconditioner(8, 6, 2)!;
    const n = 8 * 6 * 3;
    const s = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + 0.3);
    const y = Float32Array.from({ length: n }, (_, i) => 2 * s[i] + 0.5 * Math.cos(i * 1.3));
    const rho = [1 / s.reduce((a, v, i) => a + v * y[i], 0)];
    const afresh = lbfgsDirection(y, [s], [y], rho, P);
    afresh.forEach((v, i) => expect(-v).toBeCloseTo(s[i], 4)); // H·y = s whatever H₀
    const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.31));
    const kept = lbfgsDirection(g, [s], [y], rho, P, initialScale(s, y, P));
    lbfgsDirection(g, [s], [y], rho, P).forEach((v, i) => expect(kept[i]).toBe(v));
    expect(lbfgsDirection(g, [s], [y], rho, P, 2 * initialScale(s, y, P))).not.toEqual(kept); // the scale is used
  });
});

describe('Adam', () => {
  it('minimises a quadratic and clamps to the box', async () => {
    const c = [60, 300];
    const fn = (x: Float32Array) => ({ loss: (x[0] - c[0]) ** 2 + (x[1] - c[1]) ** 2, grad: Float32Array.from([2 * (x[0] - c[0]), 2 * (x[1] - c[1])]) });
    const r = await optimise(fnEvaluator(fn), Float32Array.from([200, 200]), { optimizer: 'adam', maxEvaluations: 300, adam: { learningRate: 5 } });
    expect(Math.abs(r.x[0] - 60)).toBeLessThan(1);
    expect(r.x[1]).toBe(255);
  });
});

describe('line search', () => {
  it('cubic interpolation finds the minimiser of a cubic from two points', () => {
    // φ(t) = (t − 1)³/3 − (t − 1)·4 has a local minimum at t = 3
    const phi = (t: number) => (t - 1) ** 3 / 3 - 4 * (t - 1);
    const dphi = (t: number) => (t - 1) ** 2 - 4;
    expect(cubicStep(2, phi(2), dphi(2), 5, phi(5), dphi(5))).toBeCloseTo(3, 6);
  });

  it('accepts a step meeting the strong Wolfe conditions on a quadratic', async () => {
    // φ(t) = (t − 2)², φ'(0) = −4: the exact minimiser t = 2 satisfies them; t = 1 does not (c2 = 0.1)
    const res = await strongWolfeSearch(async (t) => ({ t, f: (t - 2) ** 2, slope: 2 * (t - 2), point: t }), 4, -4, 1, { c1: 1e-4, c2: 0.1, maxTrials: 10, noiseRel: 0, maxExpansion: 100 });
    expect(res.wolfe).toBe(true);
    expect(Math.abs(res.accepted!.t - 2)).toBeLessThan(0.2);
  });
});

describe('initial images', () => {
  it('noise is seeded: same seed, same image; another seed, another', () => {
    const a = noiseImage(16, 8, 42);
    expect(noiseImage(16, 8, 42).data).toEqual(a.data);
    expect(noiseImage(16, 8, 43).data).not.toEqual(a.data);
    let mean = 0;
    a.data.forEach((v) => {
      expect(v >= 0 && v <= 255).toBe(true);
      mean += v / a.data.length;
    });
    expect(mean).toBeGreaterThan(100);
    expect(mean).toBeLessThan(130);
  });
});
