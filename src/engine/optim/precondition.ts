/**
 * A multi-scale preconditioner for optimising an image: P = w₀·I + Σ_k w_k·M_k, where M_k smooths
 * at a spacing of 2^k px through an image pyramid: M_k = 4^k·(Dᵀ)^k·D^k, D a 2× downsampling with
 * the filter [1, 3, 3, 1]/8 per axis (zero outside the image), so 4·Dᵀ is bilinear upsampling. Each
 * M_k = (2^k·D^k)ᵀ(2^k·D^k) is symmetric positive semi-definite, so P with w₀ > 0 is symmetric
 * positive definite: L-BFGS may use it as its initial inverse Hessian H₀ (lbfgs.ts).
 *
 * Why: the style loss's gradient with respect to the pixels is dominated by single-pixel detail,
 * while the deep layers (relu4_1, relu5_1) that dominate the style distance respond to structure
 * tens of pixels wide. In pixel space that structure moves slowly; P lengthens the steps of coarse
 * components as optimising a Laplacian pyramid of the image would, without changing the loss, the
 * variables (still pixels, still boxed in [0, 255]) or the cost of an evaluation: the levels share
 * one pyramid, so P costs about two passes over the image.
 */

export type Preconditioner = (v: Float64Array) => Float64Array;

export interface PyramidSpec {
  /** Image size; the vector is HWC interleaved with `channels` values per pixel. */
  width: number;
  height: number;
  channels: number;
  /** w_k: k = 0 the identity, k ≥ 1 the level smoothing at a spacing of 2^k px. */
  weights: readonly number[];
}

/**
 * One pyramid step along both axes: out (⌈w/2⌉ × ⌈h/2⌉) = D v, with the separable filter
 * [1, 3, 3, 1] / 8 (out[j] from inputs 2j − 1 … 2j + 2; zero outside the image) — the filter that
 * keeps a smooth image's values and whose scaled adjoint is bilinear upsampling.
 */
function downsample(v: Float64Array, w: number, h: number, c: number): { data: Float64Array; width: number; height: number } {
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  // along x: (h × w) → (h × w2)
  const tmp = new Float64Array(h * w2 * c);
  for (let y = 0; y < h; y++) {
    const src = y * w * c;
    const dst = y * w2 * c;
    for (let j = 0; j < w2; j++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        const x0 = 2 * j - 1;
        if (x0 >= 0) s += v[src + x0 * c + ch];
        s += 3 * v[src + (x0 + 1) * c + ch];
        if (x0 + 2 < w) s += 3 * v[src + (x0 + 2) * c + ch];
        if (x0 + 3 < w) s += v[src + (x0 + 3) * c + ch];
        tmp[dst + j * c + ch] = s / 8;
      }
    }
  }
  // along y: (h × w2) → (h2 × w2)
  const row = w2 * c;
  const out = new Float64Array(h2 * row);
  for (let j = 0; j < h2; j++) {
    const y0 = 2 * j - 1;
    const dst = j * row;
    for (let i = 0; i < row; i++) {
      let s = 3 * tmp[(y0 + 1) * row + i];
      if (y0 >= 0) s += tmp[y0 * row + i];
      if (y0 + 2 < h) s += 3 * tmp[(y0 + 2) * row + i];
      if (y0 + 3 < h) s += tmp[(y0 + 3) * row + i];
      out[dst + i] = s / 8;
    }
  }
  return { data: out, width: w2, height: h2 };
}

/** 4·Dᵀ: the exact adjoint of `downsample` (scaled so a constant stays constant), back to w × h. */
function upsample(u: Float64Array, w: number, h: number, c: number): Float64Array {
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  const row2 = w2 * c;
  // along y: (h2 × w2) → (h × w2), scatter with [1, 3, 3, 1] / 8, ×2
  const tmp = new Float64Array(h * row2);
  for (let j = 0; j < h2; j++) {
    const y0 = 2 * j - 1;
    const src = j * row2;
    for (let i = 0; i < row2; i++) {
      const val = u[src + i] / 4;
      if (y0 >= 0) tmp[y0 * row2 + i] += val;
      tmp[(y0 + 1) * row2 + i] += 3 * val;
      if (y0 + 2 < h) tmp[(y0 + 2) * row2 + i] += 3 * val;
      if (y0 + 3 < h) tmp[(y0 + 3) * row2 + i] += val;
    }
  }
  // along x: (h × w2) → (h × w)
  const out = new Float64Array(h * w * c);
  for (let y = 0; y < h; y++) {
    const src = y * row2;
    const dst = y * w * c;
    for (let j = 0; j < w2; j++) {
      const x0 = 2 * j - 1;
      for (let ch = 0; ch < c; ch++) {
        const val = tmp[src + j * c + ch] / 4;
        if (x0 >= 0) out[dst + x0 * c + ch] += val;
        out[dst + (x0 + 1) * c + ch] += 3 * val;
        if (x0 + 2 < w) out[dst + (x0 + 2) * c + ch] += 3 * val;
        if (x0 + 3 < w) out[dst + (x0 + 3) * c + ch] += val;
      }
    }
  }
  return out;
}

/**
 * P = w₀·I + Σ_k w_k·M_k with M_k = 4^k·(Dᵀ)^k·D^k (D: `downsample`): level k smooths at a spacing of
 * 2^k px. Each M_k = (2^k·D^k)ᵀ(2^k·D^k) is symmetric positive semi-definite, so P is SPD. The
 * levels share one pyramid (evaluated Horner-fashion from the coarsest), so P costs O(n), about
 * two passes over the image, whatever the number of levels.
 */
export function pyramidPreconditioner(spec: PyramidSpec): Preconditioner {
  const { width: w, height: h, channels: c, weights } = spec;
  if (!(weights[0] > 0)) throw new Error('pyramidPreconditioner: the identity weight must be positive');
  const n = w * h * c;
  return (v) => {
    if (v.length !== n) throw new Error(`preconditioner for ${n} values got ${v.length}`);
    // the pyramid: level k at (widths[k] × heights[k])
    const levels = [{ data: v, width: w, height: h }];
    for (let k = 1; k < weights.length; k++) {
      const prev = levels[k - 1];
      levels.push(downsample(prev.data, prev.width, prev.height, c));
    }
    // acc_K = w_K·d_K; acc_{k} = w_k·d_k + U acc_{k+1}; P v = acc_0
    let acc: Float64Array | undefined;
    for (let k = weights.length - 1; k >= 0; k--) {
      const { data, width, height } = levels[k];
      const next = new Float64Array(data.length);
      if (acc) next.set(upsample(acc, width, height, c));
      for (let i = 0; i < data.length; i++) next[i] += weights[k] * data[i];
      acc = next;
    }
    return acc!;
  };
}

/**
 * The render's preconditioner for a w×h RGB image: level k weighted growth^k, spacings doubling up
 * to a quarter of the longest side (coarser levels are nearly constant over the image).
 */
export function imagePreconditioner(width: number, height: number, growth: number): Preconditioner {
  const weights = [1];
  for (let spacing = 2; spacing <= Math.max(width, height) / 4; spacing *= 2) weights.push(growth ** weights.length);
  return pyramidPreconditioner({ width, height, channels: 3, weights });
}
