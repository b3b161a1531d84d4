import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadPresets, parsePresetsFile, PresetsError, presetLabel, supportsQuality, createPresetCatalog, type Preset } from '../../src/presets/index.ts';
import { FAST_STYLE_NETWORKS } from '../../src/engine/fast-style/types.ts';
import { decodeImage } from '../../src/images/index.ts';

const PRESETS_DIR = path.resolve('presets');
const catalog = await loadPresets(PRESETS_DIR);
const rank = { 'public-domain': 0, 'public-domain-us': 1, copyrighted: 2 } as const;

describe('presets.json', () => {
  it('has the paintings the issue asks for', () => {
    const titles = catalog.all().map((p) => `${p.title} / ${p.artist}`);
    for (const want of [/Starry Night/, /Seated Nude.*Picasso/, /Scream/, /Great Wave/, /Composition VII/, /Turner/, /Udnie/, /Woman with a Hat/, /Self-Portrait.*Picasso/]) {
      expect(titles.some((t) => want.test(t)), `${want}`).toBe(true);
    }
    expect(catalog.all().find((p) => /Self-Portrait/.test(p.title))?.year).toBe('1907');
  });

  it('maps each of the six fast networks to exactly one preset, to its painting where there is one', () => {
    for (const net of FAST_STYLE_NETWORKS) expect(catalog.all().filter((p) => p.fastNetwork === net).map((p) => p.id), net).toHaveLength(1);
    expect(catalog.get('wave')?.styleImage).toBe('great_wave_hokusai.jpg');
    expect(catalog.get('scream')?.styleImage).toBe('the_scream.jpg');
    expect(catalog.get('wreck')?.styleImage).toBe('shipwreck.jpg');
    expect(catalog.get('udnie')?.styleImage).toBe('udnie_picabia.jpg');
    for (const net of ['la_muse', 'rain_princess']) {
      const p = catalog.get(net)!;
      expect(p.styleImage).toBeUndefined();
      expect(p.licence).toBe('copyrighted');
    }
  });

  it('names only style images the assets manifest installs, and each decodes', async () => {
    const manifest = JSON.parse(await readFile('src/assets/manifest.json', 'utf8')) as { files: Array<{ target: string }> };
    const targets = new Set(manifest.files.map((f) => f.target));
    for (const p of catalog.all().filter((x) => x.styleImage)) {
      expect(targets.has(`presets/images/${p.styleImage}`), p.styleImage).toBe(true);
      const file = catalog.styleImagePath(p);
      expect(existsSync(file), `${file} (run easel assets)`).toBe(true);
      const img = await decodeImage(await readFile(file));
      expect(Math.min(img.width, img.height)).toBeGreaterThanOrEqual(256);
    }
  });

  it('lists public-domain first, then PD-in-the-US, then copyrighted', () => {
    const ranks = catalog.all().map((p) => rank[p.licence]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(catalog.all()[0].licence).toBe('public-domain');
    expect(catalog.all().at(-1)!.licence).toBe('copyrighted');
  });

  it('labels show the licence and fit Discord autocomplete (≤ 100 chars)', () => {
    for (const p of catalog.all()) {
      const label = presetLabel(p);
      expect(label).toContain(p.licenceNote.slice(0, 10));
      expect(label.length).toBeLessThanOrEqual(100);
    }
  });
});

describe('lookup', () => {
  it('finds by id, alias and loosely typed names', () => {
    expect(catalog.get('starry-night')?.title).toBe('The Starry Night');
    expect(catalog.get('Starry Night')?.id).toBe('starry-night');
    expect(catalog.get(' STARRY_NIGHT ')?.id).toBe('starry-night');
    expect(catalog.get('wave')?.id).toBe('great-wave');
    expect(catalog.get('la_muse')?.id).toBe('la-muse');
    expect(catalog.get('mona-lisa')).toBeUndefined();
    expect(catalog.get('')).toBeUndefined();
  });

  it('knows which qualities a preset supports', () => {
    expect(supportsQuality(catalog.get('great-wave')!, 'fast')).toBe(true);
    expect(supportsQuality(catalog.get('great-wave')!, 'best')).toBe(true);
    expect(supportsQuality(catalog.get('starry-night')!, 'fast')).toBe(false);
    expect(supportsQuality(catalog.get('rain-princess')!, 'balanced')).toBe(false);
  });
});

describe('search (autocomplete)', () => {
  const ids = (q: string, limit?: number) => catalog.search(q, limit).map((p) => p.id);

  it('matches typos, partial words, artists and several words', () => {
    expect(ids('strry nght')[0]).toBe('starry-night');
    expect(ids('night')[0]).toBe('starry-night');
    expect(ids('hokusai')[0]).toBe('great-wave');
    expect(ids('hokusai wave')).toEqual(['great-wave']);
    expect(ids('munch')[0]).toBe('the-scream');
    expect(ids('kandinsky')[0]).toBe('composition-vii');
    expect(ids('zzzzqqq')).toEqual([]);
  });

  it('puts equally good public-domain matches before copyrighted ones', () => {
    const picasso = catalog.search('picasso');
    expect(picasso.map((p) => p.artist)).toEqual(['Pablo Picasso', 'Pablo Picasso', 'Pablo Picasso']);
    expect(picasso.map((p) => p.licence)).toEqual(['public-domain-us', 'public-domain-us', 'copyrighted']);
  });

  it('returns everything in listing order for an empty query, never more than the limit or 25', () => {
    expect(ids('')).toEqual(catalog.all().map((p) => p.id));
    expect(ids('', 3)).toHaveLength(3);
    expect(catalog.search('', 1000).length).toBeLessThanOrEqual(25);
    // A long hostile query is cut, not choked on.
    expect(Array.isArray(catalog.search('a'.repeat(5000)))).toBe(true);
  });

  it('caps a large catalog at 25 results', () => {
    const many: Preset[] = Array.from({ length: 60 }, (_, i) => ({
      id: `style-${i}`, title: `Style number ${i}`, artist: 'Anon', year: '1900', licence: 'public-domain', licenceNote: 'Public domain', styleImage: 'x.jpg',
    }));
    const big = createPresetCatalog(many, { presetsDir: '/nonexistent' });
    expect(big.search('style')).toHaveLength(25);
    expect(big.search('anon', 10)).toHaveLength(10);
  });
});

describe('validation', () => {
  const base = { id: 'a', title: 'A', artist: 'X', year: '1900', licence: 'public-domain', licenceNote: 'Public domain', styleImage: 'a.jpg' };
  const problems = (presets: unknown[]) => {
    try {
      parsePresetsFile({ presets });
      return '';
    } catch (err) {
      expect(err).toBeInstanceOf(PresetsError);
      return (err as Error).message;
    }
  };

  it('accepts a minimal preset and rejects broken ones with the field named', () => {
    expect(problems([base])).toBe('');
    expect(problems([{ ...base, styleImage: undefined }])).toMatch(/styleImage, a fastNetwork/);
    expect(problems([{ ...base, fastNetwork: 'mosaic' }])).toMatch(/fastNetwork/);
    expect(problems([base, { ...base, id: 'b', aliases: ['a'] }])).toMatch(/already used by a/);
    expect(problems([{ ...base, styleImage: '../../etc/passwd' }])).toMatch(/styleImage/);
    expect(problems([{ ...base, licence: 'maybe' }])).toMatch(/licence/);
    expect(problems([{ ...base, colour: 'red' }])).toMatch(/colour|Unrecognized/i);
  });

  it('reports an unreadable presets folder as a PresetsError', async () => {
    await expect(loadPresets('/nonexistent-presets-dir')).rejects.toBeInstanceOf(PresetsError);
  });
});
