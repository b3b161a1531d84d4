/**
 * A cheap look at an image's header: real format (sniffed), size after EXIF orientation, frame count.
 * No pixels are decoded, so this is the place to refuse oversized files and decompression bombs.
 */
import sharp, { type Metadata } from 'sharp';
import { resolveLimits, type ImageLimits } from './limits.ts';
import { sniffFormat, type AcceptedFormat } from './sniff.ts';
import { checkStructure } from './structure.ts';
import { asDecodeError, empty, tooLargeDimensions, tooManyBytes, tooManyPixels, unsupported, corrupt } from './errors.ts';

export interface ImageProbe {
  format: AcceptedFormat;
  /** Displayed size, after EXIF orientation. */
  width: number;
  height: number;
  /** Frames in an animated GIF/WebP or pages of a TIFF (only the first is ever decoded). */
  pages: number;
  hasAlpha: boolean;
}

/** Sharp names the loader, which differs from our sniffed name for AVIF (HEIF container). */
const SHARP_FORMAT: Record<AcceptedFormat, string> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', avif: 'heif', tiff: 'tiff' };

/**
 * Check bytes against the limits and read the header. Throws only `ImageError`.
 * Order matters: the cheapest checks (size, magic bytes) come before anything touches libvips.
 */
export async function probeImage(bytes: Uint8Array, limits?: Partial<ImageLimits>): Promise<ImageProbe> {
  const lim = resolveLimits(limits);
  if (!bytes || bytes.length === 0) throw empty('zero-byte input');
  if (bytes.length > lim.maxBytes) throw tooManyBytes(bytes.length, lim.maxBytes);
  const format = sniffFormat(bytes);
  if (!format) throw unsupported(`unrecognised leading bytes ${Buffer.from(bytes.subarray(0, 8)).toString('hex')}`);
  // Before libvips reads the header: compressed PNG metadata is inflated by the header read itself.
  checkStructure(bytes, format);

  let meta: Metadata;
  try {
    // limitInputPixels: false here only because we compare the header's size ourselves, with a friendlier message.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw asDecodeError(err);
  }
  if (meta.format !== SHARP_FORMAT[format]) throw corrupt(`magic bytes say ${format}, decoder says ${meta.format}`);
  const pages = meta.pages ?? 1;
  // For animations sharp's `height` is one frame's height unless pages are joined; pageHeight is exact.
  const rawWidth = meta.width;
  const rawHeight = meta.pageHeight ?? meta.height;
  if (!rawWidth || !rawHeight) throw corrupt('header has no dimensions');
  if (Math.max(rawWidth, rawHeight) > lim.maxDimension) throw tooLargeDimensions(rawWidth, rawHeight, lim.maxDimension);
  if (rawWidth * rawHeight > lim.maxPixels) throw tooManyPixels(rawWidth, rawHeight, lim.maxPixels);
  const swapped = (meta.orientation ?? 1) >= 5;
  return {
    format,
    width: swapped ? rawHeight : rawWidth,
    height: swapped ? rawWidth : rawHeight,
    pages,
    hasAlpha: meta.hasAlpha,
  };
}
