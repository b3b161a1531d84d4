/** reroll.ts: the seeded smooth noise mixed into the optimiser's start image. */
import { describe, expect, it } from 'vitest';
import { REROLL_NOISE_SIGMA, rerolledStart, smoothNoise } from '../../src/engine/reroll.ts';

const grey = (w: number, h: number) => ({ width: w, height: h, data: new Float32Array(w * h * 3).fill(128) });

describe('reroll noise', () => {
  it('is deterministic per seed, differs between seeds, and has σ ≈ 8 around 0', () => {
    const a = smoothNoise(64, 48, 1);
    expect(Buffer.from(a.buffer).equals(Buffer.from(smoothNoise(64, 48, 1).buffer))).toBe(true);
    const b = smoothNoise(64, 48, 2);
    let diff = 0;
    let mean = 0;
    let sq = 0;
    for (let i = 0; i < a.length; i++) {
      diff += Math.abs(a[i] - b[i]);
      mean += a[i];
      sq += a[i] ** 2;
    }
    expect(diff / a.length).toBeGreaterThan(4);
    expect(Math.abs(mean / a.length)).toBeLessThan(1e-3);
    expect(Math.sqrt(sq / a.length)).toBeCloseTo(REROLL_NOISE_SIGMA, 3);
  });

  it('is smooth: neighbouring pixels are far closer than the field’s spread (blobs, not speckle)', () => {
    const n = smoothNoise(96, 96, 7);
    let step = 0;
    for (let y = 0; y < 96; y++) for (let x = 0; x < 95; x++) step += Math.abs(n[(y * 96 + x + 1) * 3] - n[(y * 96 + x) * 3]);
    expect(step / (96 * 95)).toBeLessThan(REROLL_NOISE_SIGMA / 3);
  });

  it('leaves the start untouched at seed 0 and keeps pixels within 0–255', () => {
    const start = grey(32, 32);
    expect(rerolledStart(start, 0)).toBe(start);
    const white = { width: 32, height: 32, data: new Float32Array(32 * 32 * 3).fill(255) };
    const r = rerolledStart(white, 3);
    expect(Math.max(...r.data)).toBeLessThanOrEqual(255);
    expect(Math.min(...r.data)).toBeLessThan(255);
  });
});
