/**
 * The fast networks on TensorFlow.js (wasm backend: ~2 s per 256² image on 2 cores, vs ~50 s on the
 * pure-JS cpu backend) against the independent reference outputs in weights/fast-style/reference/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeImage, type RgbImage } from '../../src/images/index.ts';
import { createTfjsFastStyle, FAST_STYLE_NETWORKS, FastStyleError, type FastStyleRunner } from '../../src/engine/fast-style/index.ts';
import { initTfjs, tf } from '../../src/engine/tfjs/backend.ts';
import { RenderCancelled } from '../../src/engine/types.ts';

const REF = 'weights/fast-style/reference';
// The reference outputs are published nowhere: an assets folder or mirror has them, the public
// sources do not (`easel assets` says so). Without them the comparisons are skipped and the other
// tests run on the Golden Gate photo at the same 256×256.
const HAVE_REFERENCES = existsSync(`${REF}/input.png`);
let runner: FastStyleRunner;
let input: RgbImage;

beforeAll(async () => {
  await initTfjs('wasm');
  runner = await createTfjsFastStyle({ weightsDir: 'weights', backend: 'wasm' });
  input = HAVE_REFERENCES
    ? await decodeImage(await readFile(`${REF}/input.png`))
    : await decodeImage(await sharp('presets/photos/golden_gate.jpg').resize(256, 256, { fit: 'fill' }).png().toBuffer());
});
afterAll(() => runner.dispose());

function crop(img: RgbImage, width: number, height: number, left = 0, top = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + width) * 3), y * width * 3);
  return { width, height, data };
}

function diff(a: Uint8Array, b: Uint8Array) {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}

/** Per-channel mean and standard deviation. */
function channelStats(img: RgbImage) {
  return [0, 1, 2].map((c) => {
    let s = 0;
    let s2 = 0;
    const n = img.width * img.height;
    for (let i = c; i < img.data.length; i += 3) {
      s += img.data[i];
      s2 += img.data[i] * img.data[i];
    }
    const mean = s / n;
    return { mean, std: Math.sqrt(s2 / n - mean * mean) };
  });
}

describe('fast-style networks on tfjs (wasm)', () => {
  it('runs on the wasm backend', () => {
    expect(runner.engine).toBe('tfjs');
    expect(runner.backend).toBe('wasm');
  });

  for (const id of FAST_STYLE_NETWORKS) {
    it.skipIf(!HAVE_REFERENCES)(`${id}: reproduces the reference output within a grey level or two, and restyles the photo strongly`, async () => {
      const reference = await decodeImage(await readFile(`${REF}/${id}.png`));
      const out = await runner.run(id, input);
      expect([out.width, out.height]).toEqual([256, 256]);
      const d = diff(out.data, reference.data);
      expect(d.max, `max per-pixel difference for ${id}`).toBeLessThanOrEqual(2);
      expect(d.mean).toBeLessThan(0.05);
      // The network's known output statistics (from the reference), per channel.
      const [got, want] = [channelStats(out), channelStats(reference)];
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(got[c].mean - want[c].mean)).toBeLessThan(0.5);
        expect(Math.abs(got[c].std - want[c].std)).toBeLessThan(0.5);
      }
      // And it is a stylization, not the photo passed through.
      expect(diff(out.data, input.data).mean, `mean difference from the input for ${id}`).toBeGreaterThan(25);
    });
  }
});

describe('any input size', () => {
  it.skipIf(!HAVE_REFERENCES)('keeps sizes not divisible by 4, aligned with the full-size result', async () => {
    // A 254×253 crop runs padded to 256×256 and cropped back: same size out, and (instance-norm
    // statistics barely change) nearly the reference's own top-left region — a misaligned crop or
    // padding seam would differ by tens of grey levels.
    const reference = await decodeImage(await readFile(`${REF}/wave.png`));
    const out = await runner.run('wave', crop(input, 254, 253));
    expect([out.width, out.height, out.data.length]).toEqual([254, 253, 254 * 253 * 3]);
    const inner = (img: RgbImage) => crop(img, 230, 230, 8, 8);
    expect(diff(inner(out).data, inner(crop(reference, 254, 253)).data).mean).toBeLessThan(2); // measured 0.26; one pixel off is ~9
  });

  it('handles tiny and odd shapes with values in 0–255', async () => {
    for (const [w, h] of [[1, 1], [3, 7], [37, 13], [64, 40]]) {
      const img = crop(input, w, h, 100, 100);
      const out = await runner.run('udnie', img);
      expect([out.width, out.height, out.data.length]).toEqual([w, h, w * h * 3]);
      expect(out.data).toBeInstanceOf(Uint8Array);
      expect(out.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    }
  });
});

describe('errors and resources', () => {
  it('refuses unknown networks and path-like ids', async () => {
    for (const id of ['mosaic', '../vgg19', '']) {
      await expect(runner.run(id, crop(input, 8, 8))).rejects.toBeInstanceOf(FastStyleError);
    }
    await expect(runner.run('wave', { width: 4, height: 4, data: new Uint8Array(3) })).rejects.toBeInstanceOf(FastStyleError);
  });

  it('stops when aborted, before or during a run, and frees its tensors', async () => {
    await runner.run('wave', crop(input, 16, 16)); // weights uploaded
    const baseline = tf.memory().numTensors;
    const early = new AbortController();
    early.abort();
    await expect(runner.run('wave', input, early.signal)).rejects.toBeInstanceOf(RenderCancelled);

    const late = new AbortController();
    const pending = runner.run('wave', input, late.signal);
    setImmediate(() => late.abort());
    await expect(pending).rejects.toBeInstanceOf(RenderCancelled);
    expect(tf.memory().numTensors).toBe(baseline);

    await runner.run('wave', crop(input, 20, 12));
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
