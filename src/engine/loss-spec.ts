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
 * Dividing the Gram by M_l and taking means makes every term independent of the image size, so one
 * set of weights works at 64 px and at 1024 px. Blending several styles with weights b_k (Σ b_k = 1)
 * uses the target A_l = Σ_k b_k A_{l,k}: Σ_k b_k (G − A_k)² differs from (G − Σ b_k A_k)² by a
 * constant, so the gradient is the same and each engine needs only one target per layer.
 *
 * Gradient of the style term for one layer (used by the ONNX graph):
 *   dL_s/dF_l = w_l · (4 / (C_l² · M_l)) · F_l (G_l − A_l)
 * (G and A symmetric). Content: dL_c/dF = 2 (F − P) / (M_l·C_l). TV: the usual finite-difference adjoint.
 */
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
