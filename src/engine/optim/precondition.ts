/**
 * A multi-scale preconditioner for optimising an image: P = Σ_k w_k·T_k, where T_0 is the identity
 * and T_k (k ≥ 1) a triangle blur of radius 2^(k−1) px (a box blur applied twice, zero outside the
 * image). A box blur with a fixed divisor is a symmetric matrix, so its square T_k is symmetric
 * positive semi-definite, and P with w_0 > 0 is symmetric positive definite: L-BFGS may use it as
 * its initial inverse Hessian H₀ (lbfgs.ts), and steepest descent as its metric.
 *
 * Why: the style loss's gradient with respect to the pixels is dominated by single-pixel detail,
 * while the deep layers (relu4_1, relu5_1) that dominate the style distance respond to structure
 * tens of pixels wide. In pixel space that structure moves slowly; P lengthens the steps of coarse
 * components as optimising a Laplacian pyramid of the image would, without changing the loss, the
 * variables (still pixels, still boxed in [0, 255]) or the cost of an evaluation (a few passes over
 * the image, against a VGG19 forward and backward).
 */

export type Preconditioner = (v: Float64Array) => Float64Array;

export interface PyramidSpec {
  /** Image size; the vector is HWC interleaved with `channels` values per pixel. */
  width: number;
  height: number;
  channels: number;
  /** w_k: k = 0 the identity, k ≥ 1 the triangle blur of radius 2^(k−1). */
  weights: readonly number[];
}

/**
 * Box sums of radius r along lines of n samples (zero outside), divided by 2r + 1: `lines` lines,
 * line j starting at lineStart(j), consecutive samples `stride` apart.
 */
function boxLines(src: Float64Array, dst: Float64Array, lines: number, lineStart: (j: number) => number, n: number, stride: number, r: number): void {
  const norm = 1 / (2 * r + 1);
  for (let j = 0; j < lines; j++) {
    const base = lineStart(j);
    let acc = 0;
    for (let i = 0; i < Math.min(r, n); i++) acc += src[base + i * stride];
    for (let i = 0; i < n; i++) {
      if (i + r < n) acc += src[base + (i + r) * stride];
      dst[base + i * stride] = acc * norm;
      if (i - r >= 0) acc -= src[base + (i - r) * stride];
    }
  }
}

/** v ← (box_y ∘ box_x) v, radius r; `tmp` is scratch of v's length. */
function boxBlur(v: Float64Array, tmp: Float64Array, w: number, h: number, c: number, r: number): void {
  boxLines(v, tmp, h * c, (j) => Math.floor(j / c) * w * c + (j % c), w, c, r); // rows
  boxLines(tmp, v, w * c, (j) => j, h, w * c, r); // columns
}

export function pyramidPreconditioner(spec: PyramidSpec): Preconditioner {
  const { width: w, height: h, channels: c, weights } = spec;
  if (!(weights[0] > 0)) throw new Error('pyramidPreconditioner: the identity weight must be positive');
  const n = w * h * c;
  const tmp = new Float64Array(n);
  const level = new Float64Array(n);
  return (v) => {
    if (v.length !== n) throw new Error(`preconditioner for ${n} values got ${v.length}`);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = weights[0] * v[i];
    for (let k = 1; k < weights.length; k++) {
      const r = 2 ** (k - 1);
      level.set(v);
      boxBlur(level, tmp, w, h, c, r);
      boxBlur(level, tmp, w, h, c, r);
      for (let i = 0; i < n; i++) out[i] += weights[k] * level[i];
    }
    return out;
  };
}

/**
 * The render's preconditioner for a w×h RGB image: level k weighted growth^k, radii doubling up to
 * a quarter of the longest side (coarser blurs are nearly constant over the image: they add a
 * global shift, which the finest radius already allows).
 */
export function imagePreconditioner(width: number, height: number, growth: number): Preconditioner {
  const weights = [1];
  for (let r = 1; r <= Math.max(width, height) / 4; r *= 2) weights.push(growth ** weights.length);
  return pyramidPreconditioner({ width, height, channels: 3, weights });
}
