/**
 * Listing order and wording. Public-domain paintings come first so that what users see by default is
 * what anyone may use; within a licence group, presets.json's order holds.
 */
import type { Quality } from '../engine/types.ts';
import type { LicenceStatus, Preset } from './types.ts';

const LICENCE_RANK: Record<LicenceStatus, number> = { 'public-domain': 0, 'public-domain-us': 1, copyrighted: 2 };

export const licenceRank = (p: Preset) => LICENCE_RANK[p.licence];

/** Stable sort by licence group (public domain first). */
export function sortForListing(presets: readonly Preset[]): Preset[] {
  return presets
    .map((p, i) => ({ p, i }))
    .sort((a, b) => licenceRank(a.p) - licenceRank(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

/** Lower-case, accents and spaces folded, so "Starry Night", "starry_night" and "starry-night" compare equal. */
export function normaliseName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}

/** "The Starry Night — Vincent van Gogh, 1889 · Public domain" — one line for listings and autocomplete (≤ 100 chars). */
export function presetLabel(p: Preset, maxLength = 100): string {
  const label = `${p.title} — ${p.artist}, ${p.year} · ${p.licenceNote}`;
  return label.length <= maxLength ? label : `${label.slice(0, maxLength - 1)}…`;
}

/** Whether a preset can render at this quality: network-only presets have no painting to optimise towards. */
export function supportsQuality(p: Preset, quality: Quality): boolean {
  return quality === 'fast' ? p.fastNetwork !== undefined : p.styleImage !== undefined;
}
