/**
 * How far a render is from its painting's style and from its photo's content, as issue #14 defines
 * them (and as an outside evaluator judges held-out pairs), on the engine's own VGG19:
 *
 *   style distance   = mean over relu1_1 … relu5_1 of ‖G(x) − G(s)‖_F / ‖G(s)‖_F
 *                      G: the layer's Gram matrix, s: the painting resized so its longest side is x's
 *   content distance = ‖F(x) − F(c)‖_F / ‖F(c)‖_F at relu4_2, c: the photo at x's size
 *
 * Both are ratios, so the Gram's normalisation (FᵀF, FᵀF/M or FᵀF/(C·M)) does not matter as long
 * as x and s use the same one. Lower is better.
 */
import { fitLongest, resizeRgb } from '../images/resize.ts';
import type { RgbImage } from '../images/types.ts';
import { CONTENT_LAYER, STYLE_LAYERS } from './params.ts';
import { toFloat } from './pixels.ts';
import type { LossBackend } from './types.ts';

/** ‖a − b‖ / ‖b‖ (Frobenius). 0 when a = b; 1 when a = 0. */
export function relativeDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeDistance: ${a.length} values against ${b.length}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  if (norm === 0) throw new Error('relativeDistance: the reference is all zeros');
  return Math.sqrt(diff / norm);
}

/** Mean over layers of the Grams' relative distance. */
export function styleDistanceOf(gramsX: readonly ArrayLike<number>[], gramsS: readonly ArrayLike<number>[]): number {
  if (gramsX.length === 0 || gramsX.length !== gramsS.length) throw new Error('styleDistanceOf needs one Gram per layer for both images');
  return gramsX.reduce((a, g, l) => a + relativeDistance(g, gramsS[l]), 0) / gramsX.length;
}

export interface Distances {
  style: number;
  content: number;
}

/** Both distances of `output` to `painting` (style) and `photo` (content); see the top of this file. */
export async function measureDistances(backend: LossBackend, output: RgbImage, photo: RgbImage, painting: RgbImage): Promise<Distances> {
  const { width, height } = output;
  const s = fitLongest(painting.width, painting.height, Math.max(width, height));
  const paintingSized = toFloat(await resizeRgb(painting, s.width, s.height));
  const photoSized = toFloat(await resizeRgb(photo, width, height));
  const x = toFloat(output).data;
  const [gramsX, gramsS, [fx], [fc]] = await Promise.all([
    backend.grams(x, height, width, [...STYLE_LAYERS], 'max'),
    backend.grams(paintingSized.data, s.height, s.width, [...STYLE_LAYERS], 'max'),
    backend.features(x, height, width, [CONTENT_LAYER], 'max'),
    backend.features(photoSized.data, height, width, [CONTENT_LAYER], 'max'),
  ]);
  return { style: styleDistanceOf(gramsX, gramsS), content: relativeDistance(fx, fc) };
}
