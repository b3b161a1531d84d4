/**
 * The loss, defined once. Both engines (tfjs autodiff, ONNX hand-written gradient) implement exactly
 * these formulas, and tests compare them. Values of the weights live in params.ts; only the shape of
 * the loss is fixed here.
 *
 * Notation: x is the image (H×W×3, RGB 0–255). F_l(x) is VGG19's activation at layer l, reshaped to
 * an (M_l × C_l) matrix with M_l = H_l·W_l positions and C_l channels.
 *
 *   Gram:      G_l(x) = F_lᵀ F_l / M_l                                  (C_l × C_l)
 *   Content:   L_c = mean over H_l·W_l·C_l of (F_l(x) − P_l)²           at the content layer
 *   Style:     L_s = Σ_l w_l · mean over C_l² of (G_l(x) − A_l)²        A_l: blended Gram target
 *   TV:        L_tv = ( Σ (x[i+1,j,c] − x[i,j,c])² + Σ (x[i,j+1,c] − x[i,j,c])² ) / (H·W·3)
 *   Total:     L = contentWeight·L_c + styleWeight·L_s + tvWeight·L_tv
 *
 * Dividing the Gram by M_l and taking means makes every term independent of the image size; the
 * weights (lossWeights below) then divide each term by its target's energy — w_l = 1 / mean(A_l²),
 * contentWeight ∝ 1 / mean(P²) — so each term is a relative error, Σ(G−A)²/ΣA² and Σ(F−P)²/ΣP²,
 * independent of the layer's activation scale, the painting and the photo, and one style:content
 * ratio means the same everywhere (the PyTorch-tutorial recipe's normalisation). Blending several styles with weights b_k (Σ b_k = 1)
 * uses the target A_l = Σ_k b_k A_{l,k}: Σ_k b_k (G − A_k)² differs from (G − Σ b_k A_k)² by a
 * constant, so the gradient is the same and each engine needs only one target per layer.
 *
 * Gradient of the style term for one layer (used by the ONNX graph):
 *   dL_s/dF_l = w_l · (4 / (C_l² · M_l)) · F_l (G_l − A_l)
 * (G and A symmetric). Content: dL_c/dF = 2 (F − P) / (M_l·C_l). TV: the usual finite-difference adjoint.
 */
import type { LossSpec } from './types.ts';

/** The relative weight of each term: style and content of energy-normalised terms, TV on 0–255 pixels. */
export interface LossMix {
  style: number;
  content: number;
  tv: number;
}

export type LossWeights = Pick<LossSpec, 'contentWeight' | 'styleWeight' | 'tvWeight' | 'styleLayerWeights'>;

function meanSquare(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s / a.length;
}

/**
 * The weights of a LossSpec, in one place: every caller (render, benchmarks, the baseline recipe)
 * gets them here. Each style layer and the content term are divided by their target's energy, so
 * L = mix.style · Σ_l Σ(G_l−A_l)²/ΣA_l² + mix.content · Σ(F−P)²/ΣP² + mix.tv · L_tv.
 */
export function lossWeights(mix: LossMix, targets: { contentTarget: Float32Array; styleTargets: readonly Float32Array[] }): LossWeights {
  const energy = (a: Float32Array, what: string) => {
    const e = meanSquare(a);
    if (!(e > 0)) throw new Error(`lossWeights: the ${what} target is all zeros (image too small or blank?)`);
    return e;
  };
  return {
    contentWeight: mix.content / energy(targets.contentTarget, 'content'),
    styleWeight: mix.style,
    tvWeight: mix.tv,
    styleLayerWeights: targets.styleTargets.map((a, l) => 1 / energy(a, `style layer ${l}`)),
  };
}

export function blendGramTargets(perStyle: Float32Array[][], weights: number[]): Float32Array[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (perStyle.length === 0 || sum <= 0) throw new Error('blendGramTargets needs at least one style with positive weight');
  const norm = weights.map((w) => w / sum);
  return perStyle[0].map((_, layer) => {
    const out = new Float32Array(perStyle[0][layer].length);
    perStyle.forEach((grams, k) => {
      const g = grams[layer];
      for (let i = 0; i < g.length; i++) out[i] += norm[k] * g[i];
    });
    return out;
  });
}
