/** Animated GIF / WebP through sharp: probe with a frame limit, decode every frame, encode under a byte limit. */
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  decodeAnimation, decodeImage, encodeAnimation, fitPixels, ImageError, isAnimation, keepFrames, meanAbsoluteDifference, meanFrameChange, probeAnimation, probeImage,
  type AnimatedImage,
} from '../../src/images/index.ts';
import * as fx from '../fixtures/images.ts';

const PHOTOS = path.resolve(import.meta.dirname, '..', '..', 'presets', 'photos');
const clip = (format: 'gif' | 'webp' = 'gif', frames = 6) => fx.panningClip(path.join(PHOTOS, 'golden_gate.jpg'), { frames, width: 48, height: 36, step: 4, format });

describe('probeAnimation / decodeAnimation', () => {
  it.each(['gif', 'webp'] as const)('reads every frame of an animated %s with its delays', async (format) => {
    const bytes = await fx.animation(format, [[250, 0, 0], [0, 250, 0], [0, 0, 250]]);
    const probe = await probeAnimation(bytes, { maxFrames: 3 });
    expect(isAnimation(probe)).toBe(true);
    const anim = await decodeAnimation(bytes, { maxFrames: 3 });
    expect([anim.width, anim.height, anim.frames.length]).toEqual([16, 12, 3]);
    expect(anim.delays).toEqual([100, 100, 100]);
    // frame k is the k-th solid colour (GIF quantises a little)
    anim.frames.forEach((f, k) => {
      const px = [...f.data.subarray(0, 3)];
      expect(px[k]).toBeGreaterThan(200);
      expect(px.reduce((a, b) => a + b)).toBeLessThan(300);
    });
  });

  it('a still image is one frame and not an animation', async () => {
    const bytes = await fx.twoToneIn('png');
    expect(isAnimation(await probeImage(bytes))).toBe(false);
    expect((await decodeAnimation(bytes, { maxFrames: 48 })).frames).toHaveLength(1);
  });

  it('refuses more frames than the limit from the header, with a message for the user', async () => {
    const bytes = await clip('gif', 6);
    const err = await probeAnimation(bytes, { maxFrames: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect(err.code).toBe('too-many-frames');
    expect(err.userMessage).toMatch(/6 frames.*at most 5/);
    await expect(decodeAnimation(bytes, { maxFrames: 5 })).rejects.toMatchObject({ code: 'too-many-frames' });
  });

  it('refuses an animation whose frames together exceed the pixel limit', async () => {
    const bytes = await clip('gif', 6);
    // one frame (48×36 = 1728 px) fits, six do not
    await expect(probeAnimation(bytes, { maxFrames: 48, maxPixels: 5000 })).rejects.toMatchObject({ code: 'too-many-pixels' });
  });

  it('shrinks frames on load to the pixel budget, keeping the aspect and the motion', async () => {
    const bytes = await clip('gif', 6);
    const full = await decodeAnimation(bytes, { maxFrames: 6 });
    const small = await decodeAnimation(bytes, { maxFrames: 6, maxFramePixels: 24 * 18 });
    expect([small.width, small.height, small.frames.length]).toEqual([24, 18, 6]);
    expect(meanFrameChange(small.frames)).toBeGreaterThan(3);
    expect(meanFrameChange(full.frames)).toBeGreaterThan(3);
  });

  it('fitPixels never exceeds the budget', () => {
    for (const [w, h, max] of [[640, 480, 65_536], [1000, 10, 5000], [300, 301, 90_000], [64, 48, 65_536]]) {
      const f = fitPixels(w, h, max);
      expect(f.width * f.height).toBeLessThanOrEqual(max);
      expect(Math.abs(f.width / f.height - w / h)).toBeLessThan(0.1 * (w / h));
    }
    expect(fitPixels(64, 48, 65_536)).toEqual({ width: 64, height: 48 });
  });
});

describe('keepFrames', () => {
  it('keeps evenly spaced frames and the total duration', () => {
    const r = keepFrames(['a', 'b', 'c', 'd', 'e', 'f'], [10, 20, 30, 40, 50, 60], 3);
    expect(r.frames).toEqual(['a', 'c', 'e']);
    expect(r.delays).toEqual([30, 70, 110]);
    const odd = keepFrames([1, 2, 3, 4, 5], [100, 100, 100, 100, 100], 2);
    expect(odd.frames).toEqual([1, 3]);
    expect(odd.delays.reduce((a, b) => a + b)).toBe(500);
    expect(keepFrames([1, 2], [5, 5], 4)).toEqual({ frames: [1, 2], delays: [5, 5] });
  });
});

describe('encodeAnimation', () => {
  const photoClip = async (frames = 6): Promise<AnimatedImage> => decodeAnimation(await clip('gif', frames), { maxFrames: frames });

  it('round-trips frames, delays and loop as an animated GIF', async () => {
    const anim = await photoClip();
    anim.delays = [80, 80, 80, 80, 80, 300];
    const out = await encodeAnimation(anim, { formats: ['gif'] });
    expect(out).toMatchObject({ format: 'gif', frames: 6, width: 48, height: 36, colours: 256 });
    const meta = await sharp(out.data, { pages: -1 }).metadata();
    expect([meta.format, meta.pages, meta.pageHeight, meta.loop]).toEqual(['gif', 6, 36, 0]);
    expect(meta.delay).toEqual([80, 80, 80, 80, 80, 300]);
    const back = await decodeAnimation(out.data, { maxFrames: 6 });
    back.frames.forEach((f, i) => expect(meanAbsoluteDifference(f, anim.frames[i])).toBeLessThan(6));
  });

  it('gives way in order — fewer colours, then fewer frames, then smaller frames — to fit the byte limit', async () => {
    const anim = await photoClip(8);
    const full = await encodeAnimation(anim, { formats: ['gif'] });
    const fewerColours = await encodeAnimation(anim, { formats: ['gif'], maxBytes: full.data.length - 1 });
    expect(fewerColours.colours).toBeLessThan(256);
    expect([fewerColours.frames, fewerColours.width]).toEqual([8, 48]);
    expect((await sharp(fewerColours.data).metadata()).pages).toBe(8);

    // the fewest colours with every frame is the floor before frames go
    const leastColours = (await encodeAnimation(anim, { formats: ['gif'], maxBytes: fewerColours.data.length - 1 })).data.length;
    const fewerFrames = await encodeAnimation(anim, { formats: ['gif'], maxBytes: leastColours - 1 });
    expect(fewerFrames.frames).toBeLessThan(8);
    expect(fewerFrames.frames).toBeGreaterThanOrEqual(2); // never below a quarter: the motion must still read
    expect(fewerFrames.width).toBe(48);
    expect((await sharp(fewerFrames.data).metadata()).pages).toBe(fewerFrames.frames);

    const twoFrames = (await encodeAnimation(anim, { formats: ['gif'], maxBytes: Math.round(leastColours / 3.5) })).data.length;
    const smaller = await encodeAnimation(anim, { formats: ['gif'], maxBytes: twoFrames - 1 });
    expect(smaller.frames).toBe(2);
    expect(smaller.width).toBeLessThan(48);
    expect(smaller.data.length).toBeLessThan(twoFrames);
    const meta = await sharp(smaller.data, { pages: -1 }).metadata();
    expect([meta.width, meta.pageHeight, meta.pages]).toEqual([smaller.width, smaller.height, 2]);
    expect(meta.delay!.reduce((a, b) => a + b)).toBe(800); // dropping frames keeps the clip's length

    // nothing fits one byte: a clear failure, not an endless loop
    await expect(encodeAnimation(anim, { formats: ['gif'], maxBytes: 1 })).rejects.toMatchObject({ code: 'encode-failed' });
  });

  it('uses animated WebP when allowed and smaller, GIF otherwise', async () => {
    const anim = await photoClip();
    const gif = await encodeAnimation(anim, { formats: ['gif'] });
    const either = await encodeAnimation(anim, { formats: ['gif', 'webp'] });
    expect(either.format).toBe('webp'); // lossy WebP of a photo is far smaller than a 256-colour GIF
    expect(either.data.length).toBeLessThan(gif.data.length);
    const meta = await sharp(either.data, { pages: -1 }).metadata();
    expect([meta.format, meta.pages]).toEqual(['webp', 6]);
    expect((await decodeImage(either.data)).width).toBe(48);
  });

  it('refuses inconsistent input with an ImageError', async () => {
    const anim = await photoClip();
    await expect(encodeAnimation({ ...anim, delays: [100] }, { formats: ['gif'] })).rejects.toBeInstanceOf(ImageError);
  });
});
