/**
 * Turning every failure into an `ImageError` with a message fit for a chat user. Sharp/libvips
 * errors are plain `Error`s whose text names the loader; they are classified here, once.
 */
import { ImageError } from './types.ts';
import { formatBytes } from './limits.ts';

export const USER_MESSAGES = {
  empty: 'That file is empty — please attach a photo.',
  unsupported: 'I can only read JPEG, PNG, WebP, GIF, AVIF or TIFF images.',
  corrupt: 'That image looks damaged or incomplete — please try another file.',
  encode: "I couldn't save the result image — please try a smaller size.",
  decodeLimit: 'That image needs more memory or time to decode than the decoder is allowed; a smaller or simpler file (an ordinary JPEG) works.',
} as const;

export const decodeLimit = (detail: string) => new ImageError('decode-limit', USER_MESSAGES.decodeLimit, detail);

export const tooManyBytes = (actual: number, max: number) =>
  new ImageError('too-large-bytes', `That file is too big (${formatBytes(actual)}; the limit is ${formatBytes(max)}).`, `image is ${actual} bytes > ${max}`);

export const tooManyPixels = (width: number, height: number, max: number) =>
  new ImageError(
    'too-many-pixels',
    `That image is too large (${width}×${height}; the limit is ${Math.floor(max / 1e6)} megapixels).`,
    `image is ${width}x${height} = ${width * height} px > ${max}`,
  );

export const tooLargeDimensions = (width: number, height: number, max: number) =>
  new ImageError('too-large-dimensions', `That image is too large (${width}×${height}; at most ${max} px per side).`, `image is ${width}x${height}, side limit ${max}`);

export const unsupported = (detail: string) => new ImageError('unsupported-format', USER_MESSAGES.unsupported, detail);

export const corrupt = (detail: string) => new ImageError('corrupt', USER_MESSAGES.corrupt, detail);

/**
 * Classify anything thrown while sharp read an image whose magic bytes were already recognised.
 * Never throws; always returns an ImageError.
 */
export function asDecodeError(err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // libvips' own allocation failures (under the sandbox's memory limit) and its timeout.
  if (/out of memory|bad_alloc|memory allocation failed|timeout/i.test(message)) return decodeLimit(message);
  if (/pixel limit/i.test(message)) {
    return new ImageError('too-many-pixels', 'That image has too many pixels — please send a smaller one.', message);
  }
  // The magic bytes matched an accepted format, so a decoder that cannot read it means a damaged file.
  // Truncation, bad markers, CRC failures, libvips timeouts, out-of-range headers: the file is not a usable image.
  return corrupt(message);
}
