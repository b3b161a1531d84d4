/**
 * Preset names in Slack: the one resolver (src/presets/resolve.ts), and the Slack wording of a miss.
 */
import type { PresetCatalog } from '../../presets/types.ts';
import { mixedStyle, type PresetChoice } from '../common/mix.ts';
import { WORDING } from '../../requests/wording.ts';
import { resolvePreset } from '../../presets/resolve.ts';

export { resolvePreset } from '../../presets/resolve.ts';

export function unknownPresetText(catalog: PresetCatalog, token: string): string {
  return WORDING.unknownPreset(token, { suggestions: catalog.search(token, 3).map((p) => p.id), listCommand: '/stylize styles' });
}

/**
 * The style a typed token names: one preset (`starry-night`), or two mixed (`starry-night+the-scream`,
 * `mix` the first's share). A string is the problem to tell the user.
 */
export function styleOfToken(catalog: PresetCatalog, token: string, mix?: number): PresetChoice | string {
  const [firstToken, secondToken, ...more] = token.split('+');
  if (more.length > 0) return WORDING.mixAtMostTwo;
  const first = resolvePreset(catalog, firstToken);
  if (!first) return unknownPresetText(catalog, firstToken);
  if (secondToken === undefined) return mix === undefined ? { kind: 'preset', presetId: first.id } : WORDING.mixNeedsTwo;
  const second = resolvePreset(catalog, secondToken);
  if (!second) return unknownPresetText(catalog, secondToken);
  const mixed = mixedStyle(first, second, mix);
  return mixed.ok ? mixed.style : mixed.text;
}
