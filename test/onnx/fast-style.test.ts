/**
 * The six fast feed-forward networks as ONNX graphs: against the independent reference outputs in
 * weights/fast-style/reference/, against the TensorFlow.js runner on an odd-sized photo (padding and
 * cropping), and the runner's edges (cancellation, unknown ids, the symmetric padding).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsFastStyle } from '../../src/engine/fast-style/tfjs.ts';
import { FAST_STYLE_NETWORKS, type FastStyleRunner } from '../../src/engine/fast-style/types.ts';
import { createOnnxFastStyle, padToMultiple } from '../../src/engine/onnx/fast-style.ts';
import { RenderCancelled } from '../../src/engine/types.ts';
import type { RgbImage } from '../../src/images/types.ts';
import { PHOTOS, ROOT, WEIGHTS } from './helpers.ts';

const REFERENCE = path.join(ROOT, 'weights', 'fast-style', 'reference');
// Published nowhere (an assets folder or mirror has them, the public sources do not): without them the comparison is skipped.
const HAVE_REFERENCES = existsSync(path.join(REFERENCE, 'input.png'));

async function readRgb(file: string, resize?: { width: number; height: number }): Promise<RgbImage> {
  let img = sharp(file).removeAlpha();
  if (resize) img = img.resize(resize.width, resize.height, { fit: 'fill' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function greyLevelDiff(a: RgbImage, b: RgbImage): { max: number; mean: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.data.length };
}

let onnx: FastStyleRunner;
beforeAll(async () => {
  onnx = await createOnnxFastStyle({ weightsDir: WEIGHTS });
});
afterAll(async () => {
  await onnx?.dispose();
});

describe('ONNX fast-style networks', () => {
  it.skipIf(!HAVE_REFERENCES).each([...FAST_STYLE_NETWORKS])('%s reproduces its reference output within 2 grey levels', async (id) => {
    const input = await readRgb(path.join(REFERENCE, 'input.png'));
    const out = await onnx.run(id, input);
    const { max, mean } = greyLevelDiff(out, await readRgb(path.join(REFERENCE, `${id}.png`)));
    expect(max).toBeLessThanOrEqual(2);
    expect(mean).toBeLessThan(0.05);
  });

  it('matches the TensorFlow.js runner on an odd-sized photo (padding and crop)', async () => {
    const tfjs = await createTfjsFastStyle({ weightsDir: WEIGHTS });
    try {
      const photo = await readRgb(path.join(PHOTOS, 'girl_with_a_pearl_earring.jpg'), { width: 57, height: 70 });
      for (const id of ['wave', 'udnie']) {
        const [a, b] = [await onnx.run(id, photo), await tfjs.run(id, photo)];
        expect([a.width, a.height]).toEqual([57, 70]);
        const { max, mean } = greyLevelDiff(a, b);
        expect(max).toBeLessThanOrEqual(2);
        expect(mean).toBeLessThan(0.05);
      }
    } finally {
      await tfjs.dispose();
    }
  });

  it('stops on an aborted signal and refuses unknown networks', async () => {
    const photo = await readRgb(path.join(PHOTOS, 'golden_gate.jpg'), { width: 32, height: 32 });
    const ac = new AbortController();
    ac.abort();
    await expect(onnx.run('wave', photo, ac.signal)).rejects.toBeInstanceOf(RenderCancelled);
    await expect(onnx.run('../vgg19', photo)).rejects.toThrow(/unknown fast-style network/);
  });

  it('pads to a multiple of 4 by mirroring, edge pixel included', () => {
    // 3 rows × 2 columns → 4×4: the last row and the last two columns mirror the image, edge included.
    const img: RgbImage = { width: 2, height: 3, data: Uint8Array.from([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40, 50, 50, 50, 60, 60, 60]) };
    const { data, width, height } = padToMultiple(img, 4);
    expect([width, height]).toEqual([4, 4]);
    const red = Array.from({ length: 16 }, (_, i) => data[i * 3]);
    expect(red).toEqual([10, 20, 20, 10, 30, 40, 40, 30, 50, 60, 60, 50, 50, 60, 60, 50]);
  });
});
