/**
 * A line search for the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6: bracket,
 * then zoom with safeguarded cubic interpolation), made tolerant of noisy losses.
 *
 * Float32 reductions over ~10⁶ terms put ~1e-5 relative noise on the loss (ONNX Runtime measured
 * ~2e-5), while its gradient stays accurate. Near convergence the true decrease of a step is of
 * that order, so a strict Armijo test rejects good steps and the search collapses. Two remedies:
 *   - the sufficient-decrease test allows `noiseRel·|φ(0)|` of slack (as Hager–Zhang's approximate
 *     Wolfe conditions do), and
 *   - the curvature test, which uses the accurate slope, decides acceptance.
 * Every trial costs one evaluation; the caller's budget may end the search (BudgetExhausted).
 */

export interface LineSearchOptions {
  /** Sufficient decrease (Armijo) constant. */
  c1: number;
  /** Curvature constant: 0.9 suits quasi-Newton directions. */
  c2: number;
  /** Trials per search. */
  maxTrials: number;
  /** Loss noise tolerance, relative to |φ(0)|. */
  noiseRel: number;
  /** Largest step tried while bracketing, as a multiple of the first. */
  maxExpansion: number;
}

export const DEFAULT_LINE_SEARCH: LineSearchOptions = { c1: 1e-4, c2: 0.9, maxTrials: 10, noiseRel: 1e-4, maxExpansion: 1e4 };

export interface Trial<P> {
  t: number;
  f: number;
  /** φ'(t) */
  slope: number;
  point: P;
}

export type LineFunction<P> = (t: number) => Promise<Trial<P>>;

export interface LineSearchResult<P> {
  /** The accepted trial, or the best trial with sufficient decrease when the search ran out of trials. */
  accepted?: Trial<P>;
  /** True when the strong Wolfe conditions hold at `accepted`. */
  wolfe: boolean;
  trials: number;
}

/** Minimiser of the cubic through (a, fa, da) and (b, fb, db), kept inside [a, b] away from its ends. */
export function cubicStep(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const margin = 0.1 * (hi - lo);
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  let t = NaN;
  if (disc >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    t = b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
  }
  if (!Number.isFinite(t) || t < lo + margin || t > hi - margin) t = (lo + hi) / 2;
  return t;
}

export async function strongWolfeSearch<P>(phi: LineFunction<P>, f0: number, slope0: number, tInit: number, opts: LineSearchOptions = DEFAULT_LINE_SEARCH): Promise<LineSearchResult<P>> {
  if (!(slope0 < 0)) throw new Error(`line search needs a descent direction (slope ${slope0})`);
  const slack = opts.noiseRel * Math.abs(f0);
  const sufficient = (tr: Trial<P>) => tr.f <= f0 + opts.c1 * tr.t * slope0 + slack;
  const curvature = (tr: Trial<P>) => Math.abs(tr.slope) <= -opts.c2 * slope0;
  let trials = 0;
  let bestSufficient: Trial<P> | undefined;
  const evaluate = async (t: number) => {
    trials++;
    const tr = await phi(t);
    if (sufficient(tr) && (!bestSufficient || tr.f < bestSufficient.f)) bestSufficient = tr;
    return tr;
  };
  const giveUp = (): LineSearchResult<P> => ({ accepted: bestSufficient && bestSufficient.f < f0 + slack ? bestSufficient : undefined, wolfe: false, trials });

  const zoom = async (lo: Trial<P>, hi: Trial<P>): Promise<LineSearchResult<P>> => {
    while (trials < opts.maxTrials) {
      const t = cubicStep(lo.t, lo.f, lo.slope, hi.t, hi.f, hi.slope);
      const tr = await evaluate(t);
      if (!sufficient(tr) || tr.f >= lo.f) {
        hi = tr;
      } else {
        if (curvature(tr)) return { accepted: tr, wolfe: true, trials };
        if (tr.slope * (hi.t - lo.t) >= 0) hi = lo;
        lo = tr;
      }
      if (Math.abs(hi.t - lo.t) <= 1e-12 * Math.max(1, Math.abs(lo.t))) break;
    }
    return giveUp();
  };

  let prev: Trial<P> = { t: 0, f: f0, slope: slope0, point: undefined as P };
  let t = tInit;
  while (trials < opts.maxTrials) {
    const tr = await evaluate(t);
    if (!sufficient(tr) || (trials > 1 && tr.f >= prev.f)) return zoom(prev, tr);
    if (curvature(tr)) return { accepted: tr, wolfe: true, trials };
    if (tr.slope >= 0) return zoom(tr, prev);
    prev = tr;
    if (t >= tInit * opts.maxExpansion) break;
    t *= 4;
  }
  return giveUp();
}
