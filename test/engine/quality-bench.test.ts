import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { resizeBilinear, subtract } from '../../src/engine/pixels.ts';
import { measureDistances } from '../../src/engine/distance.ts';
import { createTfjsLossBackend } from '../../src/engine/tfjs/index.ts';
import type { LossBackend } from '../../src/engine/types.ts';
import { renderBaseline } from '../../bench/quality-baseline.ts';
import { contactSheet } from '../../bench/quality-sheet.ts';
import { formatQualityTable, meetsBar, type QualityRow } from '../../bench/quality.ts';
import { firstStepShare, formatSeedTable, formatStrengthTable, type SeedRow, type StrengthRow } from '../../bench/knobs.ts';
import { PAINTINGS, PHOTOS, WEIGHTS, loadImage } from './helpers.ts';

describe('float resizing for the scale hand-off', () => {
  it('keeps signed values, constants and the mean of a linear ramp', () => {
    const img = { width: 2, height: 1, data: Float32Array.from([-10, -10, -10, 30, 30, 30]) };
    const up = resizeBilinear(img, 4, 1);
    expect(Array.from(up.data.filter((_, i) => i % 3 === 0))).toEqual([-10, 0, 20, 30]);
    const flat = resizeBilinear({ width: 3, height: 2, data: new Float32Array(18).fill(7) }, 5, 4);
    expect(flat.data.every((v) => v === 7)).toBe(true);
    expect(Array.from(subtract(img, img).data).every((v) => v === 0)).toBe(true);
  });
});

describe('the quality bench’s bars and table', () => {
  const r = (styleRatio: number, contentRatio: number, timeRatio: number) => ({ styleRatio, contentRatio, timeRatio });
  it('balanced: within 5% on both distances in ≤ 0.15× the time; best: strictly better; draft: within 15% in ≤ 0.05×', () => {
    expect(meetsBar('balanced', r(1.05, 0.9, 0.15))).toBe(true);
    expect(meetsBar('balanced', r(1.06, 0.9, 0.1))).toBe(false);
    expect(meetsBar('balanced', r(1, 1, 0.16))).toBe(false);
    expect(meetsBar('best', r(0.99, 0.99, 3))).toBe(true);
    expect(meetsBar('best', r(1, 0.9, 3))).toBe(false);
    expect(meetsBar('draft', r(1.15, 1.1, 0.05))).toBe(true);
    expect(meetsBar('draft', r(1.1, 1.1, 0.06))).toBe(false);
  });

  it('prints one line per render with ratios and the verdict', () => {
    const row = (tier: QualityRow['tier'], style: number, meets: boolean | null): QualityRow => ({ pair: 'p × q', size: 64, tier, style, content: 0.5, ms: 1000, evaluations: tier === 'baseline' ? 150 : 64, styleRatio: style / 0.1, contentRatio: 1, timeRatio: 0.1, meetsBar: meets });
    const text = formatQualityTable([row('baseline', 0.1, null), row('balanced', 0.104, true), row('draft', 0.2, false)]);
    expect(text).toMatch(/balanced .*\| 64 .*1\.04 \/ 1\.00 \/ 0\.100 .*met/);
    expect(text).toMatch(/draft .*MISSED/);
    expect(text).toMatch(/1 of 2 tier renders meet their bar/);
  });
});

describe('the knob tables (--strengths, --seeds)', () => {
  it('per strength: distances, difference from the photo, and the first step as a share of the last', () => {
    const rows: StrengthRow[] = [0.25, 0.5, 0.75, 1].map((strength, i) => ({ pair: 'p × q', size: 256, strength, style: 0.4 - 0.1 * i, content: 0.25 * (i + 1), photoDiff: 30 + 5 * i }));
    expect(firstStepShare(rows)).toBeCloseTo(0.25, 9);
    const text = formatStrengthTable(rows);
    expect(text).toMatch(/p × q \| 256 \| 0\.25 \| 0\.400 \| 0\.250 \| 30\.0/);
    expect(text).toMatch(/first step 25% of the content distance/);
  });

  it('per seed: the difference from the first seed and the style spread, judged against reroll\'s bar', () => {
    const row = (seed: number, style: number, diffFromFirst: number, styleSpread: number): SeedRow => ({ pair: 'p × q', size: 256, quality: 'balanced', seed, style, content: 0.7, diffFromFirst, styleSpread });
    const text = formatSeedTable([row(1, 0.1, 0, 0), row(2, 0.102, 12, 0.02), row(3, 0.1, 5, 0), row(4, 0.12, 20, 0.17)]).split('\n');
    expect(text[1]).toMatch(/\| —$/);
    expect(text[2]).toMatch(/12\.0 \| 2\.0% \| met$/);
    expect(text[3]).toMatch(/MISSED$/);
    expect(text[4]).toMatch(/MISSED$/);
  });
});

describe('baseline recipe and contact sheet (real VGG19, tiny images)', () => {
  let backend: LossBackend;
  beforeAll(async () => {
    backend = await createTfjsLossBackend({ weightsDir: WEIGHTS });
  });
  afterAll(() => backend.dispose());

  it('the baseline moves the photo towards the painting’s style, keeping its content nearer than the painting’s', async () => {
    const photo = await loadImage(`${PHOTOS}/golden_gate.jpg`, 64);
    const painting = await loadImage(`${PAINTINGS}/starry_night.jpg`, 64);
    const before = await measureDistances(backend, photo, photo, painting);
    const base = await renderBaseline(backend, photo, painting, 64, 12);
    expect(base.evaluations).toBe(12);
    expect(Math.max(base.image.width, base.image.height)).toBe(64);
    const after = await measureDistances(backend, base.image, photo, painting);
    expect(after.style).toBeLessThan(0.8 * before.style);
    expect(after.content).toBeGreaterThan(0);
    expect(after.content).toBeLessThan(0.9);

    const png = await contactSheet([{ label: 'golden gate', cells: [{ caption: 'photo', image: photo }, { caption: 'baseline', image: base.image }] }], 64);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(2 * (64 + 4) + 4);
  });
});
