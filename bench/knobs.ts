/**
 * The quality bench's knob measures (`--strengths`, `--seeds`): does each knob do what it says?
 *   strengths  per strength: style and content distance and the mean absolute difference from the
 *              photo (0–255), so the steps from "the photo" to "fully painted" can be read as numbers;
 *              the step from the photo to the first strength as a share of the last one's content distance.
 *   seeds      per seed (and, for a preset with a fast network, also at quality fast): the distances
 *              and the mean absolute pixel difference from the first seed's render (reroll: ≥ 8 at
 *              256 px with both style distances within 5%).
 */
import { render, type RenderDeps } from '../src/engine/render.ts';
import { resolveOptions } from '../src/engine/params.ts';
import { measureDistances } from '../src/engine/distance.ts';
import { meanAbsoluteDifference, resizeToLongest } from '../src/images/index.ts';
import type { Quality } from '../src/engine/types.ts';
import type { RgbImage } from '../src/images/types.ts';

export interface KnobPair {
  name: string;
  photo: RgbImage;
  painting: RgbImage;
  fastNetwork?: string;
}

export interface StrengthRow {
  pair: string;
  size: number;
  strength: number;
  style: number;
  content: number;
  /** Mean absolute difference from the photo at the render's size, 0–255. */
  photoDiff: number;
}

export interface SeedRow {
  pair: string;
  size: number;
  quality: Quality;
  seed: number;
  style: number;
  content: number;
  /** Mean absolute pixel difference from the first seed's render of the same pair and quality, 0–255. */
  diffFromFirst: number;
  /** |style − the first seed's style| / the larger of the two. */
  styleSpread: number;
}

/** Reroll's bar: two seeds differ by ≥ 8 grey levels on average, their style distances within 5%. */
export const REROLL_BAR = { minDiff: 8, maxStyleSpread: 0.05 };

export async function measureStrengths(deps: RenderDeps, pair: KnobPair, size: number, strengths: number[], quality: Quality, say: (s: string) => void): Promise<{ rows: StrengthRow[]; images: RgbImage[] }> {
  const rows: StrengthRow[] = [];
  const images: RgbImage[] = [];
  for (const strength of strengths) {
    say(`${pair.name} @ ${size} px: strength ${strength}…`);
    const options = resolveOptions({ size, quality, strength }, { size, quality });
    const r = await render(deps, { content: pair.photo, styles: [{ image: pair.painting, weight: 1 }], options, fastNetwork: pair.fastNetwork });
    const d = await measureDistances(deps.backend, r.image, pair.photo, pair.painting);
    const photoDiff = meanAbsoluteDifference(r.image, await resizeToLongest(pair.photo, size));
    say(`  strength ${strength}: style ${d.style.toFixed(3)} content ${d.content.toFixed(3)} |Δ photo| ${photoDiff.toFixed(1)}`);
    rows.push({ pair: pair.name, size, strength, style: d.style, content: d.content, photoDiff });
    images.push(r.image);
  }
  return { rows, images };
}

export async function measureSeeds(deps: RenderDeps, pair: KnobPair, size: number, seeds: number[], quality: Quality, say: (s: string) => void): Promise<{ rows: SeedRow[]; images: RgbImage[] }> {
  const rows: SeedRow[] = [];
  const images: RgbImage[] = [];
  for (const seed of seeds) {
    say(`${pair.name} @ ${size} px, ${quality}: seed ${seed}…`);
    const options = resolveOptions({ size, quality, seed, init: quality === 'fast' ? 'fast' : undefined }, { size, quality });
    const r = await render(deps, { content: pair.photo, styles: [{ image: pair.painting, weight: 1 }], options, fastNetwork: pair.fastNetwork });
    const d = await measureDistances(deps.backend, r.image, pair.photo, pair.painting);
    const first = rows[0];
    const diffFromFirst = images.length ? meanAbsoluteDifference(r.image, images[0]) : 0;
    const styleSpread = first ? Math.abs(d.style - first.style) / Math.max(d.style, first.style) : 0;
    say(`  seed ${seed}: style ${d.style.toFixed(3)} content ${d.content.toFixed(3)} |Δ first seed| ${diffFromFirst.toFixed(1)} style spread ${(100 * styleSpread).toFixed(1)}%`);
    rows.push({ pair: pair.name, size, quality, seed, style: d.style, content: d.content, diffFromFirst, styleSpread });
    images.push(r.image);
  }
  return { rows, images };
}

/** The first strength's content distance as a share of the last one's (issue 24: ≤ 40%). */
export function firstStepShare(rows: StrengthRow[]): number {
  return rows.length ? rows[0].content / rows[rows.length - 1].content : NaN;
}

export function formatStrengthTable(rows: StrengthRow[]): string {
  const out = ['pair | size | strength | style ↓ | content | |Δ photo|'];
  for (const r of rows) out.push(`${r.pair} | ${r.size} | ${r.strength} | ${r.style.toFixed(3)} | ${r.content.toFixed(3)} | ${r.photoDiff.toFixed(1)}`);
  const pairs = [...new Set(rows.map((r) => r.pair))];
  for (const p of pairs) out.push(`${p}: first step ${(100 * firstStepShare(rows.filter((r) => r.pair === p))).toFixed(0)}% of the content distance at the last strength`);
  return out.join('\n');
}

export function formatSeedTable(rows: SeedRow[]): string {
  const out = ['pair | size | quality | seed | style ↓ | content | |Δ first seed| | style spread | reroll bar'];
  for (const r of rows) {
    const judged = r.diffFromFirst > 0 || r.styleSpread > 0;
    const met = r.diffFromFirst >= REROLL_BAR.minDiff && r.styleSpread <= REROLL_BAR.maxStyleSpread;
    out.push(`${r.pair} | ${r.size} | ${r.quality} | ${r.seed} | ${r.style.toFixed(3)} | ${r.content.toFixed(3)} | ${r.diffFromFirst.toFixed(1)} | ${(100 * r.styleSpread).toFixed(1)}% | ${judged ? (met ? 'met' : 'MISSED') : '—'}`);
  }
  return out.join('\n');
}
