/**
 * Pixels as the engine sees them: 8-bit sRGB, 3 channels interleaved (RGBRGB…), row-major, no alpha.
 * Every decode produces one; every encode takes one.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** length = width * height * 3 */
  data: Uint8Array;
}

/** Why an image was refused. `userMessage` is short and fit to show a chat user as-is. */
export type ImageErrorCode =
  | 'empty'
  | 'too-large-bytes'
  | 'too-many-pixels'
  | 'too-large-dimensions'
  | 'too-many-frames'
  | 'unsupported-format'
  | 'corrupt'
  /** Built to make decoding far costlier than its pixel count (structure.ts). */
  | 'too-complex'
  /** Decoding needed more memory or time than the decoder is allowed (sandbox.ts). */
  | 'decode-limit'
  | 'encode-failed';

export class ImageError extends Error {
  constructor(
    public readonly code: ImageErrorCode,
    public readonly userMessage: string,
    detail?: string,
  ) {
    super(detail ?? userMessage);
    this.name = 'ImageError';
  }
}
