/**
 * A preset painting users pick by name. Defined in presets/presets.json (checked in); its style image
 * is installed into presets/images/ by `easel assets`.
 */
import type { RenderOptions } from '../engine/types.ts';

export type LicenceStatus = 'public-domain' | 'public-domain-us' | 'copyrighted';

export interface Preset {
  id: string;
  /** Other names that `get` accepts, e.g. 'wave' for great-wave (the fast network's name). */
  aliases?: string[];
  title: string;
  artist: string;
  year: string;
  licence: LicenceStatus;
  /** One line for listings, e.g. "Public domain" or "PD in the US; © elsewhere until 2044". */
  licenceNote: string;
  /** File name inside presets/images/ (absent for network-only presets such as rain_princess). */
  styleImage?: string;
  /** Fast feed-forward network id (weights/fast-style/<id>) for quality 'fast' and init. */
  fastNetwork?: string;
  /** Per-preset parameter defaults (e.g. a stronger style weight for a subtle painting). */
  defaults?: Partial<Pick<RenderOptions, 'strength' | 'styleScale' | 'pooling' | 'init'>>;
}

export interface PresetCatalog {
  all(): readonly Preset[];
  get(id: string): Preset | undefined;
  /** Fuzzy search by id, title or artist for autocomplete; ≤ limit (default 25) results, public-domain first. */
  search(query: string, limit?: number): Preset[];
  /** Absolute path of a preset's style image. */
  styleImagePath(preset: Preset): string;
  /** The gallery (contact sheet of all presets with names) as PNG, generated once and cached. */
  galleryPng(): Promise<Buffer>;
}
