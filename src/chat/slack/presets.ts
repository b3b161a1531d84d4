/**
 * Preset names in Slack: the one resolver (src/presets/resolve.ts), and the Slack wording of a miss.
 */
import type { PresetCatalog } from '../../presets/types.ts';
import { ERROR_TEXT } from '../common/text.ts';

export { resolvePreset } from '../../presets/resolve.ts';

export function unknownPresetText(catalog: PresetCatalog, token: string): string {
  return ERROR_TEXT.unknownPreset(token, { suggestions: catalog.search(token, 3).map((p) => p.id), listCommand: '/stylize styles' });
}
