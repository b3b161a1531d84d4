/**
 * The structure checks that run before libvips reads a header (src/images/structure.ts): ordinary
 * files pass untouched, the costly ones are refused from their bytes alone, without inflating more
 * than the cap.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageError, probeImage } from '../../src/images/index.ts';
import { checkStructure, MAX_JPEG_SCANS, MAX_PNG_METADATA_BYTES } from '../../src/images/structure.ts';
import { jpegScansBomb, pngChunk, pngIccpBomb, pngTextBomb, zlibOfZeros } from '../fixtures/bombs.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

const code = (f: () => unknown) => {
  try {
    f();
    return 'passes';
  } catch (e) {
    return e instanceof ImageError ? e.code : String(e);
  }
};

describe('structure checks', () => {
  it('pass ordinary files: the preset photos, a progressive JPEG, a PNG with a real ICC profile and text', async () => {
    for (const name of ['golden_gate.jpg', 'stata.jpg', 'dancer_ballerina.jpg']) {
      const bytes = await readFile(path.join(REPO_ROOT, 'presets/photos', name));
      expect(code(() => checkStructure(bytes, 'jpeg')), name).toBe('passes');
    }
    const progressive = await sharp(await readFile(path.join(REPO_ROOT, 'presets/photos/stata.jpg'))).jpeg({ progressive: true, mozjpeg: true }).toBuffer();
    expect(code(() => checkStructure(progressive, 'jpeg'))).toBe('passes');
    // sharp embeds its sRGB ICC profile (an iCCP chunk) with withIccProfile; add a zTXt comment too.
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#abcdef' } }).withIccProfile('p3').png().toBuffer();
    const withText = Buffer.concat([png.subarray(0, 33), pngChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), zlibOfZeros(10_000, Buffer.from('hello'))])), png.subarray(33)]);
    expect(code(() => checkStructure(withText, 'png'))).toBe('passes');
    expect((await probeImage(withText)).width).toBe(32);
  });

  it('refuse PNG metadata that inflates past the cap in all: one big chunk, or many small ones', async () => {
    const one = await pngTextBomb('zTXt', MAX_PNG_METADATA_BYTES + 1, 1);
    const many = await pngTextBomb('iTXt', MAX_PNG_METADATA_BYTES / 8, 9);
    const underCap = await pngTextBomb('zTXt', MAX_PNG_METADATA_BYTES / 8, 7);
    const icc = await pngIccpBomb(64 << 20);
    expect([one, many, icc].map((b) => code(() => checkStructure(b.bytes, 'png')))).toEqual(['too-complex', 'too-complex', 'too-complex']);
    expect(code(() => checkStructure(underCap.bytes, 'png'))).toBe('passes');
    // The bot's probe refuses them before libvips (and libpng's inflation) sees them.
    await expect(probeImage(icc.bytes)).rejects.toMatchObject({ code: 'too-complex' });
  });

  it(`refuse a JPEG with more than ${MAX_JPEG_SCANS} scans, and let one with exactly that many through`, async () => {
    const at = await jpegScansBomb(256, MAX_JPEG_SCANS);
    const over = await jpegScansBomb(256, MAX_JPEG_SCANS + 1);
    expect(code(() => checkStructure(at.bytes, 'jpeg'))).toBe('passes');
    expect(code(() => checkStructure(over.bytes, 'jpeg'))).toBe('too-complex');
    expect((await probeImage(at.bytes)).width).toBe(256);
  });

  it('leave damaged files to the decoder (never throw anything but too-complex)', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    for (const cut of [9, 20, 40, png.length - 5]) expect(code(() => checkStructure(png.subarray(0, cut), 'png'))).toBe('passes');
    for (const cut of [3, 10, 100, jpeg.length - 3]) expect(code(() => checkStructure(jpeg.subarray(0, cut), 'jpeg'))).toBe('passes');
    // A compressed chunk that is not zlib at all: the decoder's business.
    const junk = Buffer.concat([png.subarray(0, 33), pngChunk('zTXt', Buffer.from('Comment\0\0not zlib at all', 'latin1')), png.subarray(33)]);
    expect(code(() => checkStructure(junk, 'png'))).toBe('passes');
  });
});
