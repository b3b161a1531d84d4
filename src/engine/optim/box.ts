/** Box constraints (pixel values stay in [lower, upper]) as projections on plain arrays. */

export interface Box {
  lower: number;
  upper: number;
}

export function clampInto(x: Float32Array, box: Box): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < box.lower) x[i] = box.lower;
    else if (v > box.upper) x[i] = box.upper;
  }
  return x;
}

/** out = clamp(x + t·d). */
export function projectedStep(x: Float32Array, d: Float64Array, t: number, box: Box, out: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i] + t * d[i];
    out[i] = v < box.lower ? box.lower : v > box.upper ? box.upper : v;
  }
  return out;
}

/** Zero the components of d that would push a variable already at a bound further out (in place). */
export function maskBlocked(x: Float32Array, d: Float64Array, box: Box): Float64Array {
  for (let i = 0; i < x.length; i++) {
    if ((x[i] <= box.lower && d[i] < 0) || (x[i] >= box.upper && d[i] > 0)) d[i] = 0;
  }
  return d;
}

/**
 * Slope of t ↦ f(clamp(x0 + t·d)) at the point xt on that path, whose gradient is g: gᵀd over the
 * components that still move with t there (one clamped at a bound while d pushes it out does not).
 */
export function pathSlope(g: Float32Array, d: Float64Array, xt: Float32Array, box: Box): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) {
    const di = d[i];
    if ((di < 0 && xt[i] <= box.lower) || (di > 0 && xt[i] >= box.upper)) continue;
    s += g[i] * di;
  }
  return s;
}
