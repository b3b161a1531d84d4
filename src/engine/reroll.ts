/**
 * Reroll: a seed that changes the picture while keeping its quality.
 *
 * The optimisation is deterministic and starts from the photo (or a fast network's output), so a
 * new seed alone changed nothing. Mixing seeded, smooth noise into the start image moves the
 * optimiser to a different nearby minimum: the same brushwork quality (style distance), a different
 * arrangement of strokes. The noise is smooth (blobs 4–32 px) rather than per-pixel because VGG's
 * first layers filter single-pixel noise out within a few iterations.
 * Seed 0 is "no reroll": the start image is left as it is, so default renders are unchanged.
 */
import { mulberry32 } from './init.ts';
import type { FloatImage } from './pixels.ts';

/** σ of the added noise, in grey levels on 0–255. */
export const REROLL_NOISE_SIGMA = 8;
/** Blob sizes (px) of the noise's octaves: one grid of random values per size, bilinearly upsampled. */
export const REROLL_BLOB_SIZES: readonly number[] = [4, 8, 16, 32];

/** Smooth zero-mean noise (σ = `sigma`) for a width × height × 3 image; same seed → same field. */
export function smoothNoise(width: number, height: number, seed: number, sigma = REROLL_NOISE_SIGMA): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(width * height * 3);
  for (const blob of REROLL_BLOB_SIZES) {
    const gw = Math.ceil(width / blob) + 2;
    const gh = Math.ceil(height / blob) + 2;
    const grid = new Float32Array(gw * gh * 3);
    for (let i = 0; i < grid.length; i++) grid[i] = rand() * 2 - 1;
    for (let y = 0; y < height; y++) {
      const gy = y / blob;
      const y0 = Math.floor(gy);
      const fy = gy - y0;
      for (let x = 0; x < width; x++) {
        const gx = x / blob;
        const x0 = Math.floor(gx);
        const fx = gx - x0;
        for (let c = 0; c < 3; c++) {
          const at = (xx: number, yy: number) => grid[(yy * gw + xx) * 3 + c];
          const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
          const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
          out[(y * width + x) * 3 + c] += top * (1 - fy) + bottom * fy;
        }
      }
    }
  }
  let mean = 0;
  for (const v of out) mean += v;
  mean /= out.length || 1;
  let variance = 0;
  for (const v of out) variance += (v - mean) ** 2;
  const scale = sigma / Math.sqrt(variance / (out.length || 1) || 1);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - mean) * scale;
  return out;
}

/** The start image with this seed's smooth noise mixed in (clamped to 0–255); seed 0 returns it unchanged. */
export function rerolledStart(start: FloatImage, seed: number): FloatImage {
  if (!seed) return start;
  const noise = smoothNoise(start.width, start.height, seed);
  const data = new Float32Array(start.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, start.data[i] + noise[i]));
  return { width: start.width, height: start.height, data };
}

/** A fast network's reroll: the photo scaled by 0.9–1.11× and shifted by ≤ 8 px before the pass. */
export const FAST_JITTER = { minScale: 0.9, maxScale: 1.11, maxShift: 8 };

export interface Jitter {
  scale: number;
  dx: number;
  dy: number;
}

/**
 * This seed's jitter of a fast network's input. A feed-forward network is a fixed function of its
 * input, so a new seed must change the input: its strokes land elsewhere (shift) at another size
 * (scale), and the smooth noise changes their texture. Seed 0: none.
 */
export function fastJitter(seed: number): Jitter {
  if (!seed) return { scale: 1, dx: 0, dy: 0 };
  // Its own stream (seed + a constant), so that the jitter and the noise are not correlated.
  const rand = mulberry32((seed ^ 0x5bd1e995) >>> 0);
  const { minScale, maxScale, maxShift } = FAST_JITTER;
  const scale = minScale * (maxScale / minScale) ** rand();
  const shift = () => Math.round((rand() * 2 - 1) * maxShift);
  return { scale, dx: shift(), dy: shift() };
}

/** `img` moved by (dx, dy) px, edges repeated: pixel (x, y) takes the input's (x − dx, y − dy). */
export function shifted(img: FloatImage, dx: number, dy: number): FloatImage {
  if (!dx && !dy) return img;
  const { width, height } = img;
  const data = new Float32Array(img.data.length);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(height - 1, Math.max(0, y - dy));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x - dx));
      const from = (sy * width + sx) * 3;
      const to = (y * width + x) * 3;
      data[to] = img.data[from];
      data[to + 1] = img.data[from + 1];
      data[to + 2] = img.data[from + 2];
    }
  }
  return { width, height, data };
}
