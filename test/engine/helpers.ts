/** Shared by the engine tests: real assets, small sizes. */
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../src/images/types.ts';
import type { Evaluator, Evaluation } from '../../src/engine/types.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const WEIGHTS = path.join(ROOT, 'weights');
export const PHOTOS = path.join(ROOT, 'presets', 'photos');
export const PAINTINGS = path.join(ROOT, 'presets', 'images');

/** Decode an image file and fit its longest side to `size` (real bytes through sharp). */
export async function loadImage(file: string, size?: number): Promise<RgbImage> {
  let img = sharp(file).rotate().removeAlpha().toColourspace('srgb');
  if (size) img = img.resize(size, size, { fit: 'inside' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** An Evaluator from a plain function (for the optimiser tests). */
export function fnEvaluator(f: (x: Float32Array) => { loss: number; grad: Float32Array }): Evaluator & { calls: number } {
  const ev = {
    calls: 0,
    async evaluate(x: Float32Array): Promise<Evaluation> {
      ev.calls++;
      const { loss, grad } = f(x);
      return { loss, grad, parts: { content: loss, style: 0, tv: 0, total: loss } };
    },
    dispose() {},
  };
  return ev;
}
