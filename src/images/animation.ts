/**
 * Animated GIF / WebP in: a header probe that refuses too many frames before any pixel is decoded,
 * a decode of every frame (shrunk on load to a pixel budget per frame), and the pure frame helpers
 * the encoder and the renderer share.
 */
import sharp from 'sharp';
import { WORDING } from '../requests/wording.ts';
import { ImageError, type RgbImage } from './types.ts';
import { resolveLimits, type ImageLimits } from './limits.ts';
import { probeImage, type ImageProbe } from './probe.ts';
import { asDecodeError, corrupt } from './errors.ts';

export interface AnimatedImage {
  /** Every frame has this size. */
  width: number;
  height: number;
  frames: RgbImage[];
  /** How long each frame is shown, ms (one per frame). */
  delays: number[];
  /** Times the animation plays; 0 = forever. */
  loop: number;
}

export interface AnimationLimits extends ImageLimits {
  /** Most frames accepted (checked from the header). */
  maxFrames: number;
}

/** Browsers show a GIF frame of 0–10 ms for 100 ms; doing the same keeps the output's timing as people saw the input. */
const MIN_DELAY_MS = 20;
const BROWSER_DEFAULT_DELAY_MS = 100;
/** Decoding every frame of a pathological file can take a while; libvips gives up after this. */
const DECODE_TIMEOUT_S = 60;

/** Whether a probed file is an animation (more than one frame of a GIF or WebP; TIFF pages are not). */
export function isAnimation(probe: ImageProbe): boolean {
  return (probe.format === 'gif' || probe.format === 'webp') && probe.pages > 1;
}

export const tooManyFrames = (frames: number, max: number) =>
  new ImageError('too-many-frames', WORDING.animationTooManyFrames(frames, max), `animation has ${frames} frames > ${max}`);

/**
 * Check an animation's header against the limits: bytes, format, frame size, the frame count and
 * all frames' pixels together (they are decoded at once). Throws only `ImageError`.
 */
export async function probeAnimation(bytes: Uint8Array, limits: Partial<AnimationLimits> & { maxFrames: number }): Promise<ImageProbe> {
  const lim = resolveLimits(limits);
  const probe = await probeImage(bytes, lim);
  if (probe.pages > limits.maxFrames) throw tooManyFrames(probe.pages, limits.maxFrames);
  const total = probe.width * probe.height * probe.pages;
  if (total > lim.maxPixels) {
    throw new ImageError(
      'too-many-pixels',
      WORDING.animationTooLarge(probe.pages, probe.width, probe.height),
      `animation ${probe.pages}x${probe.width}x${probe.height} = ${total} px > ${lim.maxPixels}`,
    );
  }
  return probe;
}

/** The size a frame is decoded at: as given, or shrunk (aspect kept) to at most `maxPixels`. */
export function fitPixels(width: number, height: number, maxPixels: number): { width: number; height: number } {
  if (width * height <= maxPixels) return { width, height };
  const scale = Math.sqrt(maxPixels / (width * height));
  // Rounding down keeps the product within the budget; the aspect moves by under a pixel.
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/**
 * Decode every frame of an animated GIF or WebP (a still image gives one frame) after `probeAnimation`.
 * Frames are composited as a browser shows them (libvips applies GIF disposal), alpha flattened onto
 * white, sRGB. `maxFramePixels` shrinks each frame on load. Throws only `ImageError`.
 */
export async function decodeAnimation(bytes: Uint8Array, limits: Partial<AnimationLimits> & { maxFrames: number; maxFramePixels?: number }): Promise<AnimatedImage> {
  const lim = resolveLimits(limits);
  const probe = await probeAnimation(bytes, limits);
  // EXIF orientation never applies to GIF/WebP frames; the probe's size is the frame size.
  const size = limits.maxFramePixels ? fitPixels(probe.width, probe.height, limits.maxFramePixels) : probe;
  try {
    const image = sharp(bytes, { limitInputPixels: lim.maxPixels, sequentialRead: true, unlimited: false, failOn: 'error', pages: -1 }).timeout({ seconds: DECODE_TIMEOUT_S });
    const meta = await image.metadata();
    const resized = size.width !== probe.width || size.height !== probe.height ? image.resize({ width: size.width, height: size.height, fit: 'fill' }) : image;
    const { data, info } = await resized.flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const pages = info.pages ?? 1;
    const frameHeight = info.pageHeight ?? info.height;
    if (info.channels !== 3 || frameHeight * pages !== info.height || data.length !== info.width * info.height * 3) {
      throw corrupt(`decoded to ${info.channels} channels, ${pages} pages of ${info.width}x${frameHeight}, ${data.length} bytes`);
    }
    const frameBytes = info.width * frameHeight * 3;
    const frames = Array.from({ length: pages }, (_, i) => ({
      width: info.width,
      height: frameHeight,
      data: new Uint8Array(data.buffer, data.byteOffset + i * frameBytes, frameBytes),
    }));
    const delays = frames.map((_, i) => normaliseDelay(meta.delay?.[i]));
    return { width: info.width, height: frameHeight, frames, delays, loop: meta.loop ?? 0 };
  } catch (err) {
    throw asDecodeError(err);
  }
}

function normaliseDelay(ms: number | undefined): number {
  return ms === undefined || ms < MIN_DELAY_MS ? BROWSER_DEFAULT_DELAY_MS : ms;
}

/**
 * Keep at most `count` frames, evenly spaced from the first; each kept frame is shown for the time
 * of the frames it stands for, so the animation lasts as long as before. Pure.
 */
export function keepFrames<T>(frames: readonly T[], delays: readonly number[], count: number): { frames: T[]; delays: number[] } {
  if (count < 1) throw new Error(`keepFrames needs at least one frame, got ${count}`);
  if (frames.length <= count) return { frames: [...frames], delays: [...delays] };
  const starts = Array.from({ length: count }, (_, k) => Math.floor((k * frames.length) / count));
  return {
    frames: starts.map((i) => frames[i]),
    delays: starts.map((s, k) => delays.slice(s, k + 1 < count ? starts[k + 1] : frames.length).reduce((a, b) => a + b, 0)),
  };
}

/** Mean absolute difference per channel value (0–255) between two same-sized frames: the flicker measure. */
export function meanAbsoluteDifference(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`frames differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

/** Mean of the differences between consecutive frames (0 for one frame). */
export function meanFrameChange(frames: readonly RgbImage[]): number {
  if (frames.length < 2) return 0;
  let sum = 0;
  for (let i = 1; i < frames.length; i++) sum += meanAbsoluteDifference(frames[i - 1], frames[i]);
  return sum / (frames.length - 1);
}
