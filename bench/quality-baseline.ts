/**
 * The baseline of the quality benchmark: the PyTorch-tutorial recipe of issue #14, run inside
 * Easel's engine — one scale, start from the photo, L-BFGS, 150 evaluations; content at relu4_2,
 * style Grams at relu1_1 … relu5_1; each term divided by its target's energy (Σ(G−A)²/ΣA² per
 * style layer, summed; Σ(F−P)²/ΣP² for content); style 3 : content 1; no TV; pixels kept in
 * [0, 255]. The Gram normalisation (FᵀF/(C·M) in the recipe, FᵀF/M here) cancels in each ratio.
 */
import { fitLongest, resizeRgb } from '../src/images/resize.ts';
import type { RgbImage } from '../src/images/types.ts';
import { lossWeights, type LossMix } from '../src/engine/loss-spec.ts';
import { optimise } from '../src/engine/optimise.ts';
import { CONTENT_LAYER, STYLE_LAYERS } from '../src/engine/params.ts';
import { toFloat, toRgb } from '../src/engine/pixels.ts';
import type { LossBackend } from '../src/engine/types.ts';

export const BASELINE_RECIPE = {
  evaluations: 150,
  mix: { style: 3, content: 1, tv: 0 } satisfies LossMix,
};

export interface BaselineResult {
  image: RgbImage;
  ms: number;
  evaluations: number;
}

/** The baseline render of `photo` in the style of `painting`, longest side `size`. */
export async function renderBaseline(backend: LossBackend, photo: RgbImage, painting: RgbImage, size: number, evaluations = BASELINE_RECIPE.evaluations): Promise<BaselineResult> {
  const started = performance.now();
  const { width, height } = fitLongest(photo.width, photo.height, size);
  const s = fitLongest(painting.width, painting.height, size);
  const content = toFloat(await resizeRgb(photo, width, height));
  const style = toFloat(await resizeRgb(painting, s.width, s.height));
  const [contentTarget] = await backend.features(content.data, height, width, [CONTENT_LAYER], 'max');
  const styleTargets = await backend.grams(style.data, s.height, s.width, [...STYLE_LAYERS], 'max');
  const evaluator = await backend.createEvaluator({
    height, width, pooling: 'max', contentLayer: CONTENT_LAYER, styleLayers: [...STYLE_LAYERS],
    contentTarget, styleTargets, ...lossWeights(BASELINE_RECIPE.mix, { contentTarget, styleTargets }),
  });
  try {
    const r = await optimise(evaluator, content.data, { optimizer: 'lbfgs', maxEvaluations: evaluations });
    return { image: toRgb({ width, height, data: r.x }), ms: performance.now() - started, evaluations: r.evaluations };
  } finally {
    evaluator.dispose();
  }
}
