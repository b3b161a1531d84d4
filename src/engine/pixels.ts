/**
 * Conversions between the images module's RgbImage (8-bit) and the optimiser's Float32Array
 * (NHWC, N = 1, RGB 0–255), and resizing of the latter through sharp.
 */
import { resizeRgb } from '../images/resize.ts';
import type { RgbImage } from '../images/types.ts';

export interface FloatImage {
  width: number;
  height: number;
  /** RGB interleaved, 0–255, length width·height·3. */
  data: Float32Array;
}

export function toFloat(img: RgbImage): FloatImage {
  return { width: img.width, height: img.height, data: Float32Array.from(img.data) };
}

/** Rounds and clamps to 0–255. */
export function toRgb(img: FloatImage): RgbImage {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(img.data[i])));
  return { width: img.width, height: img.height, data };
}

/** Resize through 8 bits (sharp): the rounding (≤ ½ grey level) is far below what the optimiser changes. */
export async function resizeFloat(img: FloatImage, width: number, height: number): Promise<FloatImage> {
  if (img.width === width && img.height === height) return img;
  return toFloat(await resizeRgb(toRgb(img), width, height));
}
