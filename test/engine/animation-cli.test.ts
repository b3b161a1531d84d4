/** `easel stylize in.gif -o out.gif` (and .webp) end to end: real files, the real engine, a real animation out. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAnimation, meanAbsoluteDifference, resizeRgb, type AnimatedImage } from '../../src/images/index.ts';
import * as fx from '../fixtures/images.ts';
import { PHOTOS, ROOT } from './helpers.ts';

let tmp: string;
let input: string;
let clip: AnimatedImage;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'easel-anim-'));
  input = path.join(tmp, 'in.gif');
  const bytes = await fx.panningClip(path.join(PHOTOS, 'golden_gate.jpg'), { frames: 6, width: 48, height: 36, step: 3 });
  await writeFile(input, bytes);
  clip = await decodeAnimation(bytes, { maxFrames: 6 });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const easel = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'easel.js'), 'stylize', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });

async function expectPaintedClip(file: string, format: 'gif' | 'webp'): Promise<void> {
  const bytes = await readFile(file);
  expect((await sharp(bytes).metadata()).format).toBe(format);
  const out = await decodeAnimation(bytes, { maxFrames: 48 });
  expect(out.frames).toHaveLength(6);
  for (let i = 0; i < 6; i++) {
    expect(meanAbsoluteDifference(out.frames[i], await resizeRgb(clip.frames[i], out.width, out.height))).toBeGreaterThan(8);
    if (i > 0) expect(meanAbsoluteDifference(out.frames[i], out.frames[i - 1])).toBeGreaterThan(1);
  }
}

describe('easel stylize with an animated photo', () => {
  it('paints every frame with an optimised style into an animated GIF', async () => {
    const out = path.join(tmp, 'out.gif');
    const { stdout } = await easel([input, '--style', 'starry-night', '--size', '48', '--quality', 'draft', '--iterations', '12', '--json', '-o', out]);
    const r = JSON.parse(stdout.trim());
    expect(r).toMatchObject({ frames: 6, width: 48, height: 36, quality: 'draft', output: out });
    expect(r.iterations).toBeLessThanOrEqual(12 + 5 * 3); // later frames get a quarter of the first's evaluations
    await expectPaintedClip(out, 'gif');
  });

  it("uses a preset's fast network per frame and writes animated WebP for .webp", async () => {
    const out = path.join(tmp, 'out.webp');
    const { stdout } = await easel([input, '--style', 'udnie', '--json', '-o', out]);
    expect(JSON.parse(stdout.trim())).toMatchObject({ frames: 6, quality: 'fast', iterations: 0, width: 48 }); // never enlarged past the clip
    await expectPaintedClip(out, 'webp');
  });

  it('refuses a clip over EASEL_GIF_MAX_FRAMES and a still photo for .gif, in one line', async () => {
    const tooLong = await easel([input, '--style', 'udnie', '-o', path.join(tmp, 'x.gif')], { EASEL_GIF_MAX_FRAMES: '5' }).catch((e) => e);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr.trim()).toBe('easel: That animation has 6 frames; I can paint at most 5 — please send a shorter one.');
    const still = path.join(tmp, 'still.png');
    await writeFile(still, await fx.twoToneIn('png'));
    const err = await easel([still, '--style', 'udnie', '-o', path.join(tmp, 'y.gif')]).catch((e) => e);
    expect(err.stderr).toMatch(/still image: an animated result/);
  });
});
