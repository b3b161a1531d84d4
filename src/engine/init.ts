/** Initial images for the optimiser: the photo, seeded noise, or a given image. */
import type { FloatImage } from './pixels.ts';

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ImageNet's mean colour (RGB): VGG's zero input, where neural-style's random init starts. */
const MEAN_RGB = [123.68, 116.779, 103.939];

/** Gaussian noise (σ = `spread` grey levels) around the ImageNet mean colour; same seed → same image. */
export function noiseImage(width: number, height: number, seed: number, spread = 20): FloatImage {
  const rand = mulberry32(seed);
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i += 2) {
    // Box–Muller: two normals per two uniforms
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    data[i] = MEAN_RGB[i % 3] + spread * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < data.length) data[i + 1] = MEAN_RGB[(i + 1) % 3] + spread * r * Math.sin(2 * Math.PI * v);
  }
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, data[i]));
  return { width, height, data };
}
