/**
 * The one preset resolver, for every way a user names a style: an id or alias in any spelling
 * ("starry-night", "Starry_Night", accents dropped — see normaliseName), or a painting's exact
 * title (a Discord user who typed a title without picking the autocomplete choice).
 */
import { normaliseName } from './order.ts';
import type { Preset, PresetCatalog } from './types.ts';

export function resolvePreset(catalog: Pick<PresetCatalog, 'get' | 'all'>, value: string): Preset | undefined {
  const direct = catalog.get(value);
  if (direct) return direct;
  const wanted = normaliseName(value);
  return catalog.all().find((p) => normaliseName(p.title) === wanted);
}
