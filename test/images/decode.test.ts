import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeImage, probeImage, ImageError, type RgbImage } from '../../src/images/index.ts';
import * as fx from '../fixtures/images.ts';

const pixel = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const near = (actual: number[], expected: number[], tol: number) => actual.every((v, i) => Math.abs(v - expected[i]) <= tol);

/** Await a promise that must reject with an ImageError; returns it (fails the test on anything else). */
async function refusal(p: Promise<unknown>): Promise<ImageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a refusal').toBeInstanceOf(ImageError);
  const e = err as ImageError;
  expect(e.userMessage.length).toBeGreaterThan(10);
  expect(e.userMessage.length).toBeLessThan(120);
  return e;
}

describe('decodeImage: accepted formats', () => {
  for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const) {
    it(`decodes ${format} to 8-bit RGB with the right colours`, async () => {
      const bytes = await fx.twoToneIn(format);
      expect((await probeImage(bytes)).format).toBe(format);
      const img = await decodeImage(bytes);
      expect([img.width, img.height, img.data.length]).toEqual([40, 20, 40 * 20 * 3]);
      const tol = format === 'jpeg' || format === 'avif' ? 12 : 2;
      expect(near(pixel(img, 2, 10), [220, 20, 20], tol), `left ${pixel(img, 2, 10)}`).toBe(true);
      expect(near(pixel(img, 37, 10), [20, 20, 220], tol), `right ${pixel(img, 37, 10)}`).toBe(true);
    });
  }

  for (const format of ['gif', 'webp'] as const) {
    it(`takes the first frame of an animated ${format}`, async () => {
      const bytes = await fx.animation(format, [[250, 0, 0], [0, 250, 0], [0, 0, 250]]);
      expect((await probeImage(bytes)).pages).toBe(3);
      const img = await decodeImage(bytes);
      expect([img.width, img.height]).toEqual([16, 12]);
      expect(near(pixel(img, 8, 6), [250, 0, 0], 8), `${pixel(img, 8, 6)}`).toBe(true);
      expect(near(pixel(img, 8, 11), [250, 0, 0], 8)).toBe(true);
    });
  }

  it('applies EXIF orientation (6 = rotate 90° clockwise)', async () => {
    const bytes = await sharp(fx.twoTone(40, 20, [220, 20, 20], [20, 20, 220]), { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const probe = await probeImage(bytes);
    expect([probe.width, probe.height]).toEqual([20, 40]);
    const img = await decodeImage(bytes);
    expect([img.width, img.height]).toEqual([20, 40]);
    // The stored left (red) half is on top once turned clockwise.
    expect(near(pixel(img, 10, 3), [220, 20, 20], 12)).toBe(true);
    expect(near(pixel(img, 10, 36), [20, 20, 220], 12)).toBe(true);
  });

  it('flattens alpha onto white', async () => {
    const rgba = Buffer.alloc(8 * 8 * 4);
    for (let i = 0; i < 64; i++) rgba.set(i < 32 ? [255, 0, 0, 0] : [255, 0, 0, 128], i * 4); // top: transparent, bottom: half red
    const img = await decodeImage(await sharp(rgba, { raw: { width: 8, height: 8, channels: 4 } }).png().toBuffer());
    expect(img.data.length).toBe(8 * 8 * 3);
    expect(pixel(img, 4, 1)).toEqual([255, 255, 255]);
    expect(near(pixel(img, 4, 6), [255, 127, 127], 3), `${pixel(img, 4, 6)}`).toBe(true);
  });

  it('converts CMYK, 16-bit greyscale and greyscale-with-alpha to 8-bit sRGB', async () => {
    const tone = () => sharp(fx.twoTone(40, 20, [200, 40, 40], [40, 40, 200]), { raw: { width: 40, height: 20, channels: 3 } });
    const cmyk = await decodeImage(await tone().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer());
    const [r, g, b] = pixel(cmyk, 2, 10);
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(90);
    expect(b).toBeLessThan(90);

    const grey16 = await decodeImage(await tone().toColourspace('grey16').png().toBuffer());
    expect(grey16.data.length).toBe(40 * 20 * 3);
    const [gr, gg, gb] = pixel(grey16, 2, 10);
    expect(gr).toBe(gg);
    expect(gg).toBe(gb);

    const greyAlpha = await decodeImage(await tone().toColourspace('b-w').ensureAlpha(0.5).png().toBuffer());
    expect(greyAlpha.data.length).toBe(40 * 20 * 3);
  });

  it('trusts content over a lying name: a JPEG sent as "photo.png" decodes as JPEG', async () => {
    // The API takes no name or MIME at all; what a client claims never reaches the decoder.
    const bytes = await fx.twoToneIn('jpeg');
    expect((await probeImage(bytes)).format).toBe('jpeg');
    await expect(decodeImage(bytes)).resolves.toMatchObject({ width: 40, height: 20 });
  });
});

describe('decodeImage: refused inputs', () => {
  const cases: Array<[string, () => Buffer | Promise<Buffer>, string]> = [
    ['a 0-byte file', () => Buffer.alloc(0), 'empty'],
    ['SVG', () => fx.SVG, 'unsupported-format'],
    ['SVG without an XML prologue', () => fx.SVG_NO_PROLOGUE, 'unsupported-format'],
    ['PDF', () => fx.PDF, 'unsupported-format'],
    ['plain text', () => fx.TEXT, 'unsupported-format'],
    ['an HTML error page served as image/png', () => fx.HTML, 'unsupported-format'],
    ['a file with PNG magic bytes and a JPEG body', async () => Buffer.concat([(await fx.twoToneIn('png')).subarray(0, 8), await fx.twoToneIn('jpeg')]), 'corrupt'],
    ['a 50k×50k PNG header bomb', () => fx.pngWithHeader(50_000, 50_000), 'too-large-dimensions'],
    ['a 65535×65535 GIF header', () => fx.gifWithHeader(65_535, 65_535), 'too-large-dimensions'],
    ['a 12000×12000 PNG of zeros (432 MB decoded, ~400 KB on disk)', () => fx.pngWithHeader(12_000, 12_000, 12_000), 'too-many-pixels'],
    ['random bytes', () => fx.noise(4096, 7), 'unsupported-format'],
  ];
  for (const [name, bytes, code] of cases) {
    it(`refuses ${name} (${code})`, async () => {
      const input = await bytes();
      expect((await refusal(decodeImage(input))).code).toBe(code);
      expect((await refusal(probeImage(input))).code).toBe(code);
    });
  }

  for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const) {
    it(`refuses a truncated ${format} as corrupt`, async () => {
      const whole = await sharp(fx.noise(200 * 150 * 3, 3), { raw: { width: 200, height: 150, channels: 3 } })
        .toFormat(format)
        .toBuffer();
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      expect((await refusal(decodeImage(cut))).code).toBe('corrupt');
    });
  }

  it('refuses files over the byte limit before looking inside', async () => {
    const bytes = await fx.twoToneIn('png');
    const e = await refusal(decodeImage(bytes, { maxBytes: bytes.length - 1 }));
    expect(e.code).toBe('too-large-bytes');
  });

  it('applies caller limits on pixels and dimensions', async () => {
    const bytes = await fx.twoToneIn('png', 400, 300);
    expect((await refusal(decodeImage(bytes, { maxPixels: 100_000 }))).code).toBe('too-many-pixels');
    expect((await refusal(decodeImage(bytes, { maxDimension: 399 }))).code).toBe('too-large-dimensions');
    await expect(decodeImage(bytes, { maxPixels: 120_000, maxDimension: 400 })).resolves.toMatchObject({ width: 400, height: 300 });
  });

  it('does not blow up memory on bombs', async () => {
    const bombs = [fx.pngWithHeader(50_000, 50_000), fx.pngWithHeader(12_000, 12_000, 12_000), fx.gifWithHeader(65_535, 65_535)];
    const before = process.memoryUsage().rss;
    for (const bomb of bombs) {
      await refusal(decodeImage(bomb));
    }
    // Decoding any of them would need ≥ 432 MB; refusing from the header needs next to nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('lets no exception other than ImageError escape for damaged variants of real files', async () => {
    // Seeded mutations (byte flips, cuts, splices) of small real images in every accepted format.
    const originals = await Promise.all((['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const).map((f) => fx.twoToneIn(f, 24, 16)));
    const rand = fx.noise(4000, 99);
    let r = 0;
    const next = (n: number) => ((rand[r++ % rand.length] << 8) | rand[r++ % rand.length]) % n;
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 120; i++) {
      const original = originals[i % originals.length];
      const bytes = Buffer.from(original);
      const kind = i % 3;
      if (kind === 0) for (let k = 0; k < 4; k++) bytes[12 + next(bytes.length - 12)] = next(256);
      const mutated = kind === 1 ? bytes.subarray(0, 12 + next(bytes.length - 12)) : kind === 2 ? Buffer.concat([bytes.subarray(0, 12 + next(40)), fx.noise(64, i + 1)]) : bytes;
      try {
        const img = await decodeImage(mutated);
        expect(img.data.length).toBe(img.width * img.height * 3);
        decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(ImageError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(decoded + refused).toBe(120);
  });
});
