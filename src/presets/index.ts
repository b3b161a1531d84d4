/**
 * Presets: presets/presets.json → a catalog (lookup by id or alias, autocomplete search, gallery).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PresetCatalog } from './types.ts';
import { parsePresetsFile, PresetsError } from './schema.ts';
import { createPresetCatalog, type CatalogOptions } from './catalog.ts';

export type { LicenceStatus, Preset, PresetCatalog } from './types.ts';
export { PresetsError, parsePresetsFile } from './schema.ts';
export { createPresetCatalog, type CatalogOptions } from './catalog.ts';
export { presetLabel, sortForListing, supportsQuality } from './order.ts';
export { DEFAULT_SEARCH_LIMIT } from './search.ts';
export { resolvePreset } from './resolve.ts';
export { renderGallery } from './gallery.ts';

/** Read and validate `<presetsDir>/presets.json`. Throws PresetsError naming the problem. */
export async function loadPresets(presetsDir: string, opts: Omit<CatalogOptions, 'presetsDir'> = {}): Promise<PresetCatalog> {
  const file = path.join(presetsDir, 'presets.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PresetsError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PresetsError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return createPresetCatalog(parsePresetsFile(data, file), { presetsDir, ...opts });
}
