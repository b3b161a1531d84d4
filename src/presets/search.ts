/**
 * Fuzzy search for autocomplete (fuse.js): typos and partial words match id, aliases, title or
 * artist; every word of a multi-word query must match somewhere ("hokusai wave"). The index is built
 * once per catalog; a query over a dozen presets takes well under a millisecond.
 */
import Fuse, { type Expression } from 'fuse.js';
import type { Preset } from './types.ts';
import { licenceRank, sortForListing } from './order.ts';

export const DEFAULT_SEARCH_LIMIT = 25; // Discord's maximum number of autocomplete choices

const KEYS = [
  { name: 'id', weight: 2 },
  { name: 'aliases', weight: 1.5 },
  { name: 'title', weight: 2 },
  { name: 'artist', weight: 1.5 },
];
/** Combined scores above this are coincidences (a few shared letters), not matches. */
const MAX_SCORE = 0.5;
/** Matches this close in score count as equally good, and the public-domain one is listed first. */
const SCORE_TIER = 0.15;

export function createSearch(presets: readonly Preset[]): (query: string, limit?: number) => Preset[] {
  const listed = sortForListing(presets);
  const fuse = new Fuse(listed, {
    keys: KEYS,
    includeScore: true,
    ignoreLocation: true, // "night" should find "The Starry Night" wherever it sits
    ignoreDiacritics: true,
    threshold: 0.35,
  });
  return (query, limit = DEFAULT_SEARCH_LIMIT) => {
    const n = Math.max(0, Math.min(limit, DEFAULT_SEARCH_LIMIT));
    const words = query.trim().slice(0, 100).split(/[\s,]+/).filter(Boolean).slice(0, 6);
    if (words.length === 0) return listed.slice(0, n);
    const expression: Expression = { $and: words.map((w) => ({ $or: KEYS.map((k) => ({ [k.name]: w })) })) };
    return fuse
      .search(expression)
      .filter((r) => (r.score ?? 0) <= MAX_SCORE)
      .map((r) => ({ item: r.item, score: r.score ?? 0, tier: Math.floor((r.score ?? 0) / SCORE_TIER) }))
      .sort((a, b) => a.tier - b.tier || licenceRank(a.item) - licenceRank(b.item) || a.score - b.score)
      .slice(0, n)
      .map((r) => r.item);
  };
}
