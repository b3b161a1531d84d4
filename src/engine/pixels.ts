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

/**
 * Bilinear resize in float (half-pixel centres, edges clamped), for signed images such as the
 * difference between a render and its photo, which the 8-bit resize above would clip.
 */
export function resizeBilinear(img: FloatImage, width: number, height: number): FloatImage {
  const out = new Float32Array(width * height * 3);
  const sy = img.height / height;
  const sx = img.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const a = img.data[(y0 * img.width + x0) * 3 + c];
        const b = img.data[(y0 * img.width + x1) * 3 + c];
        const d = img.data[(y1 * img.width + x0) * 3 + c];
        const e = img.data[(y1 * img.width + x1) * 3 + c];
        out[(y * width + x) * 3 + c] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  return { width, height, data: out };
}

/** a − b, element by element (same size). */
export function subtract(a: FloatImage, b: FloatImage): FloatImage {
  const data = new Float32Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] - b.data[i];
  return { width: a.width, height: a.height, data };
}
