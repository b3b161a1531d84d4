/** Shared by the ONNX tests: real images through sharp, error measures, a seeded generator. */
import path from 'node:path';
import sharp from 'sharp';
import type { Ort } from '../../src/engine/onnx/runtime.ts';
import { activationShape, LOSS_IO } from '../../src/engine/onnx/vgg-graph.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const WEIGHTS = path.join(ROOT, 'weights');
export const PHOTOS = path.join(ROOT, 'presets', 'photos');
export const PAINTINGS = path.join(ROOT, 'presets', 'images');

/** A file as RGB 0–255 Float32 NHWC, resized to exactly width × height. */
export async function loadImage(file: string, width: number, height: number): Promise<Float32Array> {
  const data = await sharp(file).removeAlpha().resize(width, height, { fit: 'fill' }).raw().toBuffer();
  return Float32Array.from(data);
}

/** ‖a − b‖ / ‖b‖, in float64. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** max |a − b| / max |b|: catches a few badly wrong entries that a norm would average away. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

/** Park–Miller: deterministic noise without a dependency. */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/**
 * Random feeds for a loss model at height × width: an image in 0–255, content and style targets of
 * the given scales, and the coefficients. Memory and strip tests need the shapes, not a real photo.
 */
export function randomLossFeeds(
  ort: Ort, seed: number, height: number, width: number, styleLayers: string[],
  scales: { styleTarget: number; styleCoef: number },
): Record<string, InstanceType<Ort['Tensor']>> {
  const rnd = seeded(seed);
  const tensor = (n: number, scale: number, dims: number[]) => new ort.Tensor('float32', Float32Array.from({ length: n }, () => rnd() * scale), dims);
  const [c, h, w] = activationShape('relu4_2', height, width);
  const feeds: Record<string, InstanceType<Ort['Tensor']>> = {
    [LOSS_IO.x]: tensor(height * width * 3, 255, [1, height, width, 3]),
    [LOSS_IO.contentTarget]: tensor(c * h * w, 10, [1, h, w, c]),
    [LOSS_IO.contentCoef]: tensor(1, 1e-3, [1]),
    [LOSS_IO.tvCoef]: tensor(1, 1e-3, [1]),
  };
  styleLayers.forEach((name, i) => {
    const [k] = activationShape(name, height, width);
    feeds[LOSS_IO.styleTarget(i)] = tensor(k * k, scales.styleTarget, [k, k]);
    feeds[LOSS_IO.styleCoef(i)] = tensor(1, scales.styleCoef, [1]);
  });
  return feeds;
}
