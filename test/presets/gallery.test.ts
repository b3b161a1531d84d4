import { describe, expect, it, afterAll } from 'vitest';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadPresets, createPresetCatalog, type Preset } from '../../src/presets/index.ts';
import { GALLERY_LAYOUT as L } from '../../src/presets/gallery.ts';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'easel-gallery-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Standard deviation of the pixels in a region: a painting varies, a blank tile does not. */
async function regionStdev(png: Buffer, left: number, top: number, width: number, height: number): Promise<number> {
  // stats() reads its input, not the pipeline's output, so extract to a buffer first.
  const region = await sharp(png).extract({ left, top, width, height }).png().toBuffer();
  const { channels } = await sharp(region).stats();
  return channels.slice(0, 3).reduce((s, c) => s + c.stdev, 0) / 3;
}

describe('gallery', () => {
  it('draws every preset with its picture and caption, and caches the sheet', async () => {
    const cacheDir = path.join(tmp, 'cache');
    const catalog = await loadPresets(path.resolve('presets'), { cacheDir, weightsDir: path.resolve('weights') });
    const png = await catalog.galleryPng();
    const n = catalog.all().length;
    const rows = Math.ceil(n / L.columns);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(L.gap + L.columns * (L.tileWidth + L.gap));
    expect(meta.height).toBe(L.headerHeight + rows * (L.tileHeight + L.captionHeight + L.gap) + L.gap);

    for (let i = 0; i < n; i++) {
      const x = L.gap + (i % L.columns) * (L.tileWidth + L.gap);
      const y = L.headerHeight + Math.floor(i / L.columns) * (L.tileHeight + L.captionHeight + L.gap);
      // Every preset has a picture (network-only ones show their network's output) …
      expect(await regionStdev(png, x + 8, y + 30, L.tileWidth - 16, L.tileHeight - 60), catalog.all()[i].id).toBeGreaterThan(15);
      // … and text under it.
      expect(await regionStdev(png, x, y + L.tileHeight + 4, L.tileWidth, L.captionHeight - 8)).toBeGreaterThan(5);
    }
    // The empty slot after the last tile stays background.
    if (n % L.columns !== 0) {
      const x = L.gap + (n % L.columns) * (L.tileWidth + L.gap);
      const y = L.headerHeight + (rows - 1) * (L.tileHeight + L.captionHeight + L.gap);
      expect(await regionStdev(png, x, y, L.tileWidth, L.tileHeight)).toBeLessThan(1);
    }

    // Cached on disk; a fresh catalog (another process) serves the same bytes without redrawing.
    const files = (await readdir(cacheDir)).filter((f) => f.endsWith('.png'));
    expect(files).toHaveLength(1);
    const before = await stat(path.join(cacheDir, files[0]));
    const again = await (await loadPresets(path.resolve('presets'), { cacheDir, weightsDir: path.resolve('weights') })).galleryPng();
    expect(again.equals(png)).toBe(true);
    expect((await stat(path.join(cacheDir, files[0]))).mtimeMs).toBe(before.mtimeMs);
    expect(await catalog.galleryPng()).toBe(png); // memoised in-process
  });

  it('draws a placeholder for a missing picture and redraws when the presets change', async () => {
    const cacheDir = path.join(tmp, 'cache2');
    const one: Preset = { id: 'ghost', title: 'Missing Painting', artist: 'Nobody', year: '1900', licence: 'public-domain', licenceNote: 'Public domain', styleImage: 'missing.jpg' };
    const a = await createPresetCatalog([one], { presetsDir: path.join(tmp, 'nowhere'), cacheDir }).galleryPng();
    expect((await sharp(a).metadata()).width).toBe(L.gap + L.columns * (L.tileWidth + L.gap));
    // Placeholder: flat grey with a line of text, far less varied than a painting.
    expect(await regionStdev(a, L.gap + 8, L.headerHeight + 8, L.tileWidth - 16, 60)).toBeLessThan(1);
    const b = await createPresetCatalog([{ ...one, title: 'Renamed' }], { presetsDir: path.join(tmp, 'nowhere'), cacheDir }).galleryPng();
    expect(b.equals(a)).toBe(false);
    expect((await readdir(cacheDir)).filter((f) => f.endsWith('.png'))).toHaveLength(2);
  });
});
