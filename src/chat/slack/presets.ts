/**
 * Preset names in Slack: the one resolver (src/presets/resolve.ts), and the Slack wording of a miss.
 */
import type { PresetCatalog } from '../../presets/types.ts';

export { resolvePreset } from '../../presets/resolve.ts';

export function unknownPresetText(catalog: PresetCatalog, token: string): string {
  const suggestions = catalog.search(token, 3).map((p) => `\`${p.id}\``);
  const didYouMean = suggestions.length ? ` Did you mean ${suggestions.join(', ')}?` : '';
  return `I don't know a style called “${token}”.${didYouMean} \`/stylize styles\` shows them all.`;
}
