/**
 * Quality 'fast' through the engine with the real tfjs feed-forward networks, and the `easel
 * stylize` command end to end (real files in, a real image file out).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.ts';
import { resolveOptions } from '../../src/engine/params.ts';
import { chroma } from '../../src/engine/colour.ts';
import { toFloat } from '../../src/engine/pixels.ts';
import { resizeRgb } from '../../src/images/resize.ts';
import type { Engine } from '../../src/engine/types.ts';
import { PAINTINGS, PHOTOS, ROOT, WEIGHTS, loadImage } from './helpers.ts';

let engine: Engine;
let tmp: string;
beforeAll(async () => {
  engine = await createEngine({ engine: 'tfjs', weightsDir: WEIGHTS });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'easel-engine-'));
});
afterAll(async () => {
  await engine.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe("quality 'fast'", () => {
  it('runs the feed-forward network at the requested size, with or without the photo’s colours', async () => {
    const photo = await loadImage(`${PHOTOS}/golden_gate.jpg`, 300);
    const options = (preserveColors: boolean) => resolveOptions({ size: 64, quality: 'fast', preserveColors }, { size: 64, quality: 'fast' });
    const painted = await engine.render({ content: photo, styles: [], fastNetwork: 'udnie', options: options(false) });
    expect([painted.image.width, painted.image.height]).toEqual([64, 48]);
    const small = await resizeRgb(photo, 64, 48);
    const diff = painted.image.data.reduce((a, v, i) => a + Math.abs(v - small.data[i]), 0) / small.data.length;
    expect(diff).toBeGreaterThan(20); // it is painted, not the photo
    const kept = await engine.render({ content: photo, styles: [], fastNetwork: 'udnie', options: options(true) });
    const a = chroma(toFloat(kept.image));
    const b = chroma(toFloat(small));
    const err = a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
    expect(err).toBeLessThan(1.5);
  });
});

describe('easel stylize', () => {
  it('writes the image and prints one JSON object with the result', async () => {
    const out = path.join(tmp, 'out.png');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bin', 'easel.js'), 'stylize', path.join(PHOTOS, 'golden_gate.jpg'), '--style', path.join(PAINTINGS, 'starry_night.jpg'), '--size', '40', '--iterations', '6', '--engine', 'tfjs', '--json', '-o', out],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]);
    expect(r).toMatchObject({ engine: 'tfjs', width: 40, height: 30, iterations: 6, output: out });
    for (const k of ['backend', 'milliseconds', 'initialStyleLoss', 'finalStyleLoss', 'initialContentLoss', 'finalContentLoss']) expect(r).toHaveProperty(k);
    expect(r.finalStyleLoss).toBeLessThan(r.initialStyleLoss);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 40, 30]);
  });
});
