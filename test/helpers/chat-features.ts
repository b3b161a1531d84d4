/**
 * What the Discord and Slack end-to-end tests of animated results and variation buttons both check,
 * written once: the clip they send, that a returned animation was really painted, and what each
 * variation button must do to a request painted at strength 0.5.
 */
import path from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { Job } from 'bullmq';
import { decodeAnimation, meanAbsoluteDifference } from '../../src/images/index.ts';
import type { Variation } from '../../src/requests/variations.ts';
import * as fx from '../fixtures/images.ts';
import { REPO_ROOT } from './redis.ts';

/** A small panning GIF of one of the example photos (48×36, `frames` frames). */
export function photoClip(frames: number): Promise<Buffer> {
  return fx.panningClip(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'), { frames, width: 48, height: 36, step: 4 });
}

/** A GIF of `frames` frames whose every frame differs from its input frame and from the one before. */
export async function expectPaintedAnimation(out: Buffer, input: Buffer, frames: number): Promise<void> {
  expect((await sharp(out).metadata()).pages).toBe(frames);
  const painted = await decodeAnimation(out, { maxFrames: frames });
  const photo = await decodeAnimation(input, { maxFrames: frames });
  expect([painted.width, painted.height]).toEqual([photo.width, photo.height]);
  for (let i = 0; i < frames; i++) {
    expect(meanAbsoluteDifference(painted.frames[i], photo.frames[i])).toBeGreaterThan(5);
    if (i > 0) expect(meanAbsoluteDifference(painted.frames[i], painted.frames[i - 1])).toBeGreaterThan(0);
  }
}

/** Each variation of a request painted at strength 0.5, and the options its job must carry. */
export const VARIATION_CASES = [
  ['stronger', { strength: 0.75 }],
  ['subtler', { strength: 0.25 }],
  ['colours', { strength: 0.5, preserveColors: true }],
  ['reroll', { strength: 0.5 }],
] as const satisfies ReadonlyArray<readonly [Variation, object]>;

/** The variation's job: the clicker's, the same style, the options the button names. */
export function expectVariationJob(job: Job | undefined, variation: Variation, expected: object, clickerId: string): void {
  expect(job?.data.request.user.id).toBe(clickerId);
  expect(job?.data.request.style).toEqual({ kind: 'preset', presetId: 'the-scream' });
  expect(job?.data.options).toMatchObject(expected);
  if (variation !== 'colours') expect(job?.data.options.preserveColors ?? false).toBe(false);
  // The seed asked for: a new one for a reroll, none otherwise (the effective seed is then 0, no noise).
  if (variation === 'reroll') expect(job?.data.request.options.seed).toEqual(expect.any(Number));
  else expect([job?.data.request.options.seed, job?.data.options.seed]).toEqual([undefined, 0]);
}
