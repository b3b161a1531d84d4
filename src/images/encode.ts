/**
 * `RgbImage` → file bytes (JPEG or PNG), metadata stripped (sharp writes none unless asked), and
 * optionally under a byte limit — chat platforms cap attachments (Discord's limit arrives with each
 * interaction and can be 10 MiB), so the result must fit rather than fail.
 */
import sharp from 'sharp';
import type { RgbImage } from './types.ts';
import { fitLongest } from './resize.ts';
import { encodeFailed } from './errors.ts';

export type EncodeFormat = 'png' | 'jpeg';

export interface EncodeOptions {
  format: EncodeFormat;
  /** The result must be at most this many bytes; quality then size are stepped down until it is. */
  maxBytes?: number;
  /** JPEG quality to start from, 1–100 (default 90). Ignored for PNG. */
  quality?: number;
}

export interface EncodedImage {
  data: Buffer;
  format: EncodeFormat;
  /** May be smaller than the input's when the byte limit forced a downscale. */
  width: number;
  height: number;
  /** JPEG quality used (undefined for PNG). */
  quality?: number;
}

const DEFAULT_JPEG_QUALITY = 90;
/** Qualities tried, in order, before shrinking; below ~60 JPEG blocking shows more than a smaller size does. */
const JPEG_QUALITY_STEPS = [90, 80, 70, 60];
/** Quality used while shrinking: a smaller sharp image reads better than a blocky full-size one. */
const SHRINK_JPEG_QUALITY = 80;
/** Give up below this longest side: nothing useful fits. */
const MIN_SIDE = 16;

function raw(img: RgbImage) {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

async function encodeOnce(img: RgbImage, format: EncodeFormat, quality: number | undefined, size?: { width: number; height: number }): Promise<Buffer> {
  let pipeline = raw(img);
  if (size && (size.width !== img.width || size.height !== img.height)) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
  return format === 'jpeg' ? pipeline.jpeg({ quality }).toBuffer() : pipeline.png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
}

/** Encode, stepping quality (JPEG) then size down until the bytes fit. Throws only `ImageError`. */
export async function encodeImageDetailed(img: RgbImage, opts: EncodeOptions): Promise<EncodedImage> {
  const { format, maxBytes } = opts;
  if (img.data.length !== img.width * img.height * 3 || img.width < 1 || img.height < 1) {
    throw encodeFailed(`RgbImage ${img.width}x${img.height} has ${img.data.length} bytes`);
  }
  const startQuality = Math.min(100, Math.max(1, Math.round(opts.quality ?? DEFAULT_JPEG_QUALITY)));
  const fits = (b: Buffer) => maxBytes === undefined || b.length <= maxBytes;
  try {
    const qualities = format === 'jpeg' ? [startQuality, ...JPEG_QUALITY_STEPS.filter((q) => q < startQuality)] : [undefined];
    let last: Buffer | undefined;
    for (const quality of qualities) {
      last = await encodeOnce(img, format, quality);
      if (fits(last)) return { data: last, format, width: img.width, height: img.height, quality };
    }
    // Too big at every quality: shrink. Bytes scale roughly with pixel count, so aim with sqrt(limit/size).
    const quality = format === 'jpeg' ? Math.min(startQuality, SHRINK_JPEG_QUALITY) : undefined;
    let lastBytes = last!.length;
    let longest = Math.max(img.width, img.height);
    while (true) {
      const factor = Math.min(0.9, Math.max(0.5, Math.sqrt(maxBytes! / lastBytes) * 0.95));
      longest = Math.floor(longest * factor);
      if (longest < MIN_SIDE) break;
      const size = fitLongest(img.width, img.height, longest);
      const out = await encodeOnce(img, format, quality, size);
      if (fits(out)) return { data: out, format, ...size, quality };
      lastBytes = out.length;
    }
  } catch (err) {
    throw encodeFailed(err instanceof Error ? err.message : String(err));
  }
  throw encodeFailed(`cannot fit a ${img.width}x${img.height} ${format} into ${maxBytes} bytes`);
}

/** Encode to JPEG or PNG bytes (metadata stripped), under `maxBytes` when given. Throws only `ImageError`. */
export async function encodeImage(img: RgbImage, opts: EncodeOptions): Promise<Buffer> {
  return (await encodeImageDetailed(img, opts)).data;
}

/** A small JPEG for progress previews: longest side at most `maxSide` (never enlarged). */
export async function encodePreview(img: RgbImage, maxSide = 256): Promise<Buffer> {
  try {
    return await raw(img).resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 70 }).toBuffer();
  } catch (err) {
    throw encodeFailed(err instanceof Error ? err.message : String(err));
  }
}
