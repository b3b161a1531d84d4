import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureDistances, relativeDistance, styleDistanceOf } from '../../src/engine/distance.ts';
import { createTfjsLossBackend } from '../../src/engine/tfjs/index.ts';
import type { LossBackend } from '../../src/engine/types.ts';
import { PAINTINGS, PHOTOS, WEIGHTS, loadImage } from './helpers.ts';

describe('distance formulas', () => {
  it('relative Frobenius distance: a known example, zero to itself, one to zero', () => {
    expect(relativeDistance([3, 4], [0, 5])).toBeCloseTo(Math.sqrt(9 + 1) / 5, 12);
    expect(relativeDistance([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(relativeDistance([0, 0], [1, 1])).toBe(1);
    expect(() => relativeDistance([1], [0])).toThrow(/zeros/);
    expect(() => relativeDistance([1, 2], [1])).toThrow();
  });

  it('style distance is the mean over layers of the Grams’ relative distances', () => {
    const gs = [[1, 0, 0, 1], [2, 0, 0, 2]];
    const gx = [[1, 0, 0, 1], [0, 0, 0, 0]]; // layer 1 exact (0), layer 2 all zeros (1)
    expect(styleDistanceOf(gx, gs)).toBeCloseTo(0.5, 12);
    expect(() => styleDistanceOf([], [])).toThrow();
  });
});

describe('measureDistances on VGG19', () => {
  let backend: LossBackend;
  beforeAll(async () => {
    backend = await createTfjsLossBackend({ weightsDir: WEIGHTS });
  });
  afterAll(() => backend.dispose());

  it('an image is at distance 0 from itself; the photo is far from the painting’s style, the painting from the photo’s content', async () => {
    const photo = await loadImage(`${PHOTOS}/golden_gate.jpg`, 64);
    const painting = await loadImage(`${PAINTINGS}/starry_night.jpg`, 64);
    const self = await measureDistances(backend, photo, photo, photo);
    expect(self.style).toBeLessThan(1e-5);
    expect(self.content).toBeLessThan(1e-5);
    const photoAsOutput = await measureDistances(backend, photo, photo, painting);
    expect(photoAsOutput.content).toBeLessThan(1e-5);
    expect(photoAsOutput.style).toBeGreaterThan(0.3);
    const paintingSized = await loadImage(`${PAINTINGS}/starry_night.jpg`);
    const { resizeRgb } = await import('../../src/images/resize.ts');
    const paintingAsOutput = await measureDistances(backend, await resizeRgb(paintingSized, photo.width, photo.height), photo, painting);
    expect(paintingAsOutput.content).toBeGreaterThan(0.5);
  });
});
