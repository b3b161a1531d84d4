/**
 * Untrusted bytes → `RgbImage` (8-bit sRGB, 3 channels, no alpha). Every photo or style image that
 * enters Easel comes through here.
 *
 * `maxSide` bounds the result: an image whose longest side is larger is shrunk while it is decoded
 * (libvips' shrink-on-load for JPEG and WebP reads a 1/2, 1/4 or 1/8 scale directly), so a 50 MP
 * photo rendered at 1024 px never exists in memory at full resolution.
 */
import sharp from 'sharp';
import type { RgbImage } from './types.ts';
import { resolveLimits, type ImageLimits } from './limits.ts';
import { probeImage } from './probe.ts';
import { asDecodeError, corrupt } from './errors.ts';

/** libvips gives up on a pathological file after this long rather than tying up a worker. */
const DECODE_TIMEOUT_S = 30;

/**
 * Decode with hard limits. Bytes, sniffed format, dimensions and pixel count are checked from the
 * header before any pixel is decoded; sharp's `limitInputPixels` enforces the pixel limit again
 * inside the decoder. EXIF orientation applied, alpha flattened onto white, colour converted to
 * sRGB (embedded ICC profiles, CMYK, greyscale, 16-bit), only the first frame of an animation.
 * Throws only `ImageError`.
 */
export async function decodeImage(bytes: Uint8Array, limits?: Partial<ImageLimits>, opts: { maxSide?: number } = {}): Promise<RgbImage> {
  const lim = resolveLimits(limits);
  await probeImage(bytes, lim);
  try {
    let pipeline = sharp(bytes, {
      limitInputPixels: lim.maxPixels,
      // sharp's defaults, stated because they matter here: rows are read top to bottom and dropped
      // (no whole-image buffer where the format allows), and libpng/librsvg keep their size limits.
      sequentialRead: true,
      unlimited: false,
      // 'error' still refuses truncated files, but tolerates the harmless warnings many phone JPEGs carry.
      failOn: 'error',
      autoOrient: true,
      pages: 1,
      page: 0,
    });
    // The first operation after load, so libvips can shrink while decoding.
    if (opts.maxSide !== undefined) pipeline = pipeline.resize({ width: opts.maxSide, height: opts.maxSide, fit: 'inside', withoutEnlargement: true });
    const { data, info } = await pipeline
      .timeout({ seconds: DECODE_TIMEOUT_S })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw corrupt(`decoded to ${info.channels} channels, ${data.length} bytes for ${info.width}x${info.height}`);
    }
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw asDecodeError(err);
  }
}
