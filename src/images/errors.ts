/**
 * Turning every failure into an `ImageError` with a message fit for a chat user. Sharp/libvips
 * errors are plain `Error`s whose text names the loader; they are classified here, once.
 */
import { WORDING } from '../requests/wording.ts';
import { ImageError } from './types.ts';

// The user's words come from WORDING; `detail` is the operator's (logs, the job's failed reason).
export const empty = (detail: string) => new ImageError('empty', WORDING.imageEmpty, detail);

export const encodeFailed = (detail: string) => new ImageError('encode-failed', WORDING.resultNotSaved, detail);

export const decodeLimit = (detail: string) => new ImageError('decode-limit', WORDING.imageOverDecodeLimit, detail);

export const tooManyBytes = (actual: number, max: number) => new ImageError('too-large-bytes', WORDING.imageTooManyBytes(actual, max), `image is ${actual} bytes > ${max}`);

export const tooManyPixels = (width: number, height: number, max: number) =>
  new ImageError('too-many-pixels', WORDING.imageTooManyPixels(width, height, max), `image is ${width}x${height} = ${width * height} px > ${max}`);

export const tooLargeDimensions = (width: number, height: number, max: number) =>
  new ImageError('too-large-dimensions', WORDING.imageSideTooLong(width, height, max), `image is ${width}x${height}, side limit ${max}`);

export const unsupported = (detail: string) => new ImageError('unsupported-format', WORDING.imageFormatUnsupported, detail);

export const corrupt = (detail: string) => new ImageError('corrupt', WORDING.imageDamaged, detail);

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
    return new ImageError('too-many-pixels', WORDING.imageOverPixelLimit, message);
  }
  // The magic bytes matched an accepted format, so a decoder that cannot read it means a damaged file.
  // Truncation, bad markers, CRC failures, libvips timeouts, out-of-range headers: the file is not a usable image.
  return corrupt(message);
}
