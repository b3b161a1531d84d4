/**
 * Preset names as users type them in Slack ("Starry Night", "starry_night", "starry-night").
 */
import type { Preset, PresetCatalog } from '../../presets/types.ts';

export function resolvePreset(catalog: PresetCatalog, token: string): Preset | undefined {
  const wanted = token.trim().toLowerCase();
  return catalog.get(wanted) ?? catalog.get(wanted.replace(/_/g, '-')) ?? catalog.get(wanted.replace(/-/g, '_'));
}

export function unknownPresetText(catalog: PresetCatalog, token: string): string {
  const suggestions = catalog.search(token, 3).map((p) => `\`${p.id}\``);
  const didYouMean = suggestions.length ? ` Did you mean ${suggestions.join(', ')}?` : '';
  return `I don't know a style called “${token}”.${didYouMean} \`/stylize styles\` shows them all.`;
}
