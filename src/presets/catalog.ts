/**
 * The preset catalog: lookup by id or alias, fuzzy search, image paths and the cached gallery.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Preset, PresetCatalog } from './types.ts';
import { normaliseName, sortForListing } from './order.ts';
import { createSearch } from './search.ts';
import { renderGallery, GALLERY_LAYOUT, type GalleryTileSource } from './gallery.ts';

export interface CatalogOptions {
  /** Where presets/images/ lives (the presets dir). */
  presetsDir: string;
  /** Where the gallery PNG is cached (default <presetsDir>/cache). */
  cacheDir?: string;
  /**
   * Weights folder: when given, network-only presets show their network's reference output
   * (weights/fast-style/reference/<network>.png) in the gallery instead of a blank tile.
   */
  weightsDir?: string;
}

/** Bump when the gallery's drawing changes, so cached sheets are redrawn. */
const GALLERY_VERSION = 1;

export function createPresetCatalog(presets: readonly Preset[], opts: CatalogOptions): PresetCatalog {
  const listed = sortForListing(presets);
  const byName = new Map<string, Preset>();
  for (const p of listed) for (const name of [p.id, ...(p.aliases ?? [])]) byName.set(normaliseName(name), p);
  const search = createSearch(listed);
  const imagesDir = path.join(opts.presetsDir, 'images');
  const cacheDir = opts.cacheDir ?? path.join(opts.presetsDir, 'cache');
  const styleImagePath = (p: Preset) => {
    if (!p.styleImage) throw new Error(`preset ${p.id} has no style image (network only)`);
    return path.join(imagesDir, p.styleImage);
  };

  const tileSources = (): GalleryTileSource[] =>
    listed.map((preset) => {
      if (preset.styleImage) return { preset, imagePath: styleImagePath(preset), isNetworkSample: false };
      if (preset.fastNetwork && opts.weightsDir) {
        return { preset, imagePath: path.join(opts.weightsDir, 'fast-style', 'reference', `${preset.fastNetwork}.png`), isNetworkSample: true };
      }
      return { preset, isNetworkSample: false };
    });

  /** The cache key covers what is drawn: the presets, the layout, and each picture's size and mtime. */
  async function galleryKey(sources: GalleryTileSource[]): Promise<string> {
    const hash = createHash('sha256').update(JSON.stringify({ GALLERY_VERSION, GALLERY_LAYOUT, listed }));
    for (const s of sources) {
      const st = s.imagePath ? await stat(s.imagePath).catch(() => undefined) : undefined;
      hash.update(`${s.imagePath ?? '-'}:${st ? `${st.size}:${st.mtimeMs}` : 'missing'}\n`);
    }
    return hash.digest('hex').slice(0, 16);
  }

  let gallery: Promise<Buffer> | undefined;
  async function buildGallery(): Promise<Buffer> {
    const sources = tileSources();
    const file = path.join(cacheDir, `gallery-${await galleryKey(sources)}.png`);
    const cached = await readFile(file).catch(() => undefined);
    if (cached) return cached;
    const png = await renderGallery(sources);
    try {
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`; // write-then-rename: a reader never sees half a file
      await writeFile(tmp, png);
      await rename(tmp, file);
    } catch {
      /* read-only install: serve from memory, redraw next start */
    }
    return png;
  }

  return {
    all: () => listed,
    get: (id) => byName.get(normaliseName(id)),
    search: (query, limit) => search(query, limit),
    styleImagePath,
    galleryPng: () => {
      gallery ??= buildGallery().catch((err: unknown) => {
        gallery = undefined; // let the next call retry
        throw err;
      });
      return gallery;
    },
  };
}
