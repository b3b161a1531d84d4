/**
 * L-BFGS (Nocedal 1980; the paper's optimiser, as in neural-style) over a Float32Array with box
 * constraints handled by projection: the search path is clamp(x + t·d), directions do not push
 * variables that sit on a bound, and curvature pairs come from the projected steps.
 */
import { pathSlope, maskBlocked, projectedStep, type Box } from './box.ts';
import { DEFAULT_LINE_SEARCH, strongWolfeSearch, type LineSearchOptions } from './line-search.ts';
import type { Objective, Point } from './objective.ts';
import type { Preconditioner } from './precondition.ts';

export interface LbfgsOptions {
  /** Curvature pairs kept (memory: 2 × history × image floats). */
  history: number;
  /** Largest pixel change of the very first step (the scale of the first, steepest-descent, step). */
  firstStep: number;
  lineSearch: LineSearchOptions;
  /** H₀'s shape (precondition.ts); the identity when absent. */
  precondition?: Preconditioner;
}

export const DEFAULT_LBFGS: LbfgsOptions = { history: 8, firstStep: 8, lineSearch: DEFAULT_LINE_SEARCH };

export type StopReason = 'plateau' | 'converged' | 'line-search';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** H₀'s scale γ = sᵀy / yᵀPy for a curvature pair (P = I by default). */
export function initialScale(s: Float32Array, y: Float32Array, precondition?: Preconditioner): number {
  return dot(s, y) / dot(y, precondition ? precondition(Float64Array.from(y)) : y);
}

/**
 * −H·g by the two-loop recursion, with H₀ = γ·P from the newest pair. `gamma` is that pair's
 * initialScale when the caller keeps it (it costs a preconditioner pass); computed here otherwise.
 */
export function lbfgsDirection(g: Float32Array, S: Float32Array[], Y: Float32Array[], rho: number[], precondition?: Preconditioner, gamma?: number): Float64Array {
  let q: Float64Array = Float64Array.from(g);
  const k = S.length;
  const alpha = new Array<number>(k);
  for (let i = k - 1; i >= 0; i--) {
    alpha[i] = rho[i] * dot(S[i], q);
    const y = Y[i];
    for (let j = 0; j < q.length; j++) q[j] -= alpha[i] * y[j];
  }
  if (precondition) q = precondition(q);
  if (k > 0) {
    const scale = gamma ?? initialScale(S[k - 1], Y[k - 1], precondition);
    for (let j = 0; j < q.length; j++) q[j] *= scale;
  }
  for (let i = 0; i < k; i++) {
    const beta = rho[i] * dot(Y[i], q);
    const s = S[i];
    for (let j = 0; j < q.length; j++) q[j] += (alpha[i] - beta) * s[j];
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j];
  return q;
}

export async function lbfgs(obj: Objective, x0: Float32Array, box: Box, opts: LbfgsOptions = DEFAULT_LBFGS): Promise<StopReason> {
  let cur: Point = await obj.evaluate(x0);
  const S: Float32Array[] = [];
  const Y: Float32Array[] = [];
  const rho: number[] = [];
  let gamma = 1; // the newest pair's initialScale, kept: it costs a preconditioner pass
  const reset = () => {
    S.length = 0;
    Y.length = 0;
    rho.length = 0;
  };

  while (true) {
    if (obj.plateaued()) return 'plateau';
    let d = maskBlocked(cur.x, lbfgsDirection(cur.grad, S, Y, rho, opts.precondition, gamma), box);
    let slope0 = dot(cur.grad, d);
    if (!(slope0 < 0)) {
      // Not a descent direction (stale curvature): forget it and go downhill.
      reset();
      d = maskBlocked(cur.x, lbfgsDirection(cur.grad, S, Y, rho, opts.precondition, gamma), box);
      slope0 = dot(cur.grad, d);
      if (!(slope0 < 0)) return 'converged';
    }
    let tInit = 1;
    if (S.length === 0) {
      let maxAbs = 0;
      for (let i = 0; i < d.length; i++) maxAbs = Math.max(maxAbs, Math.abs(d[i]));
      tInit = opts.firstStep / maxAbs;
    }
    const from = cur;
    const dir = d;
    const result = await strongWolfeSearch(
      async (t) => {
        const xt = projectedStep(from.x, dir, t, box, new Float32Array(from.x.length));
        const p = await obj.evaluate(xt);
        return { t, f: p.loss, slope: pathSlope(p.grad, dir, xt, box), point: p };
      },
      from.loss,
      slope0,
      tInit,
      opts.lineSearch,
    );
    const next = result.accepted?.point;
    if (!next) {
      if (S.length === 0) return 'line-search';
      reset(); // retry from here with steepest descent
      continue;
    }
    const s = new Float32Array(next.x.length);
    const y = new Float32Array(next.x.length);
    for (let i = 0; i < s.length; i++) {
      s[i] = next.x[i] - from.x[i];
      y[i] = next.grad[i] - from.grad[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      if (S.length === opts.history) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      gamma = initialScale(s, y, opts.precondition);
    }
    cur = next;
  }
}
