import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeImage, encodeImage, encodeImageDetailed, encodePreview, ImageError, resizeToLongest, fitLongest, type RgbImage } from '../../src/images/index.ts';
import * as fx from '../fixtures/images.ts';

const MiB = 1024 * 1024;

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([Math.round((255 * x) / (width - 1)), Math.round((255 * y) / (height - 1)), 128], (y * width + x) * 3);
  return { width, height, data };
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

describe('encodeImage', () => {
  it('round-trips PNG losslessly and JPEG closely, with no metadata', async () => {
    const img = gradient(64, 48);
    const png = await encodeImage(img, { format: 'png' });
    expect(Buffer.from((await decodeImage(png)).data)).toEqual(Buffer.from(img.data));
    const jpeg = await encodeImage(img, { format: 'jpeg', quality: 92 });
    expect(meanAbsDiff((await decodeImage(jpeg)).data, img.data)).toBeLessThan(3);
    for (const bytes of [png, jpeg]) {
      const meta = await sharp(bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
    }
  });

  it('keeps a noisy 4000×3000 image under a 10 MiB limit, as JPEG and as PNG', async () => {
    const img: RgbImage = { width: 4000, height: 3000, data: fx.noise(4000 * 3000 * 3, 42) };
    const jpeg = await encodeImageDetailed(img, { format: 'jpeg', maxBytes: 10 * MiB });
    expect(jpeg.data.length).toBeLessThanOrEqual(10 * MiB);
    expect((await sharp(jpeg.data).metadata()).format).toBe('jpeg');
    // Noise at full size and q90 is ~25 MB: the limit had to cost quality or size, and it did the least it could.
    expect(jpeg.width * jpeg.height).toBeGreaterThan(0.25 * 4000 * 3000);

    const png = await encodeImageDetailed(img, { format: 'png', maxBytes: 10 * MiB });
    expect(png.data.length).toBeLessThanOrEqual(10 * MiB);
    expect(png.width).toBeLessThan(4000);
    expect(png.width / png.height).toBeCloseTo(4 / 3, 2);
    const meta = await sharp(png.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', png.width, png.height]);
  });

  it('fails with a typed error when nothing fits', async () => {
    const img: RgbImage = { width: 64, height: 64, data: fx.noise(64 * 64 * 3, 5) };
    const err = await encodeImage(img, { format: 'png', maxBytes: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).code).toBe('encode-failed');
  });

  it('refuses an RgbImage whose buffer does not match its size', async () => {
    const err = await encodeImage({ width: 10, height: 10, data: new Uint8Array(5) }, { format: 'png' }).catch((e: unknown) => e);
    expect((err as ImageError).code).toBe('encode-failed');
  });
});

describe('encodePreview and resizing', () => {
  it('makes a small JPEG no larger than maxSide, never enlarging', async () => {
    const big = await sharp(await encodePreview(gradient(300, 200), 96)).metadata();
    expect([big.format, big.width, big.height]).toEqual(['jpeg', 96, 64]);
    const small = await sharp(await encodePreview(gradient(40, 30), 96)).metadata();
    expect([small.width, small.height]).toEqual([40, 30]);
  });

  it('resizes to the longest side keeping the aspect', async () => {
    expect(fitLongest(4000, 3000, 512)).toEqual({ width: 512, height: 384 });
    const out = await resizeToLongest(gradient(90, 30), 45);
    expect([out.width, out.height, out.data.length]).toEqual([45, 15, 45 * 15 * 3]);
  });
});

describe('limits from config', () => {
  it('takes the byte and pixel limits an operator configured', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    const { imageLimitsFromConfig, DEFAULT_IMAGE_LIMITS } = await import('../../src/images/index.ts');
    const config = loadConfig({ EASEL_MAX_UPLOAD_BYTES: '2048', EASEL_MAX_INPUT_PIXELS: '5000' });
    expect(imageLimitsFromConfig(config)).toEqual({ maxBytes: 2048, maxPixels: 5000, maxDimension: DEFAULT_IMAGE_LIMITS.maxDimension });
  });
});
