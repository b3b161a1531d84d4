/**
 * `AnimatedImage` → animated GIF or WebP bytes under a byte limit. Chat platforms cap uploads, so
 * the result must fit rather than fail; what gives way, in order: fewer colours (a GIF's palette;
 * a WebP's quality), fewer frames (evenly dropped, timing kept), smaller frames.
 */
import sharp from 'sharp';
import { encodeFailed } from './errors.ts';
import { fitLongest, resizeRgb } from './resize.ts';
import { keepFrames, type AnimatedImage } from './animation.ts';

export type AnimationFormat = 'gif' | 'webp';

export interface AnimationEncodeOptions {
  /** 'webp' allowed: animated WebP is used when it is smaller than the GIF (where the platform shows it). */
  formats: readonly AnimationFormat[];
  /** The result must be at most this many bytes. */
  maxBytes?: number;
}

export interface EncodedAnimation {
  data: Buffer;
  format: AnimationFormat;
  width: number;
  height: number;
  /** Frames in the file (fewer than given when the byte limit forced some out). */
  frames: number;
  /** The GIF palette size or WebP quality of the step that fitted. */
  colours: number;
  webpQuality: number;
}

/**
 * The colour rungs: a GIF palette size (with dithering) and the WebP quality that gives way alike.
 * libvips writes GIFs at 1, 2, 4 or 8 bits per pixel, so 256 → 16 colours is the first real step;
 * dithering then costs bytes (noise compresses badly), so the last rung drops it.
 */
const COLOUR_STEPS: readonly { colours: number; dither: number; webpQuality: number }[] = [
  { colours: 256, dither: 1, webpQuality: 80 },
  { colours: 16, dither: 1, webpQuality: 60 },
  { colours: 16, dither: 0, webpQuality: 40 },
];
/** Frames are halved down to this share of the original before the frames themselves shrink: below it the motion no longer reads. */
const MIN_FRAME_SHARE = 1 / 4;
/** Each shrinking step's factor on the longest side. */
const SHRINK = 0.75;
/** Give up below this longest side. */
const MIN_SIDE = 16;

async function encodeOnce(anim: AnimatedImage, format: AnimationFormat, step: (typeof COLOUR_STEPS)[number]): Promise<Buffer> {
  const { width, height, frames } = anim;
  const joined = Buffer.concat(frames.map((f) => f.data));
  const image = sharp(joined, { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } });
  const timing = { delay: anim.delays.map((d) => Math.min(65_535, Math.round(d))), loop: anim.loop };
  return format === 'gif'
    ? image.gif({ ...timing, colours: step.colours, effort: 7, dither: step.dither }).toBuffer()
    : image.webp({ ...timing, quality: step.webpQuality, effort: 4 }).toBuffer();
}

async function resizeAnimation(anim: AnimatedImage, longest: number): Promise<AnimatedImage> {
  const { width, height } = fitLongest(anim.width, anim.height, longest);
  return { ...anim, width, height, frames: await Promise.all(anim.frames.map((f) => resizeRgb(f, width, height))) };
}

/** The candidates in the order the ladder tries them: colours, then frames, then size. */
function* ladder(anim: AnimatedImage): Generator<{ frames: number; longest: number; step: (typeof COLOUR_STEPS)[number] }> {
  const longest = Math.max(anim.width, anim.height);
  const all = anim.frames.length;
  for (const step of COLOUR_STEPS) yield { frames: all, longest, step };
  const last = COLOUR_STEPS[COLOUR_STEPS.length - 1];
  const fewest = Math.max(1, Math.ceil(all * MIN_FRAME_SHARE));
  let frames = all;
  while (frames > fewest) {
    frames = Math.max(fewest, Math.ceil(frames / 2));
    yield { frames, longest, step: last };
  }
  for (let side = Math.floor(longest * SHRINK); side >= MIN_SIDE; side = Math.floor(side * SHRINK)) yield { frames, longest: side, step: last };
}

/**
 * Encode, giving way (colours, frames, size) until the bytes fit; of the allowed formats the
 * smallest at each rung wins. Throws only `ImageError`.
 */
export async function encodeAnimation(anim: AnimatedImage, opts: AnimationEncodeOptions): Promise<EncodedAnimation> {
  if (anim.frames.length === 0 || anim.frames.length !== anim.delays.length || anim.frames.some((f) => f.width !== anim.width || f.height !== anim.height || f.data.length !== f.width * f.height * 3)) {
    throw encodeFailed(`animation of ${anim.frames.length} frames, ${anim.delays.length} delays, ${anim.width}x${anim.height} is inconsistent`);
  }
  if (opts.formats.length === 0) throw encodeFailed('no animation format allowed');
  let smallest = Infinity;
  try {
    for (const rung of ladder(anim)) {
      const kept = keepFrames(anim.frames, anim.delays, rung.frames);
      let candidate: AnimatedImage = { ...anim, frames: kept.frames, delays: kept.delays };
      if (rung.longest !== Math.max(anim.width, anim.height)) candidate = await resizeAnimation(candidate, rung.longest);
      const encoded = await Promise.all(opts.formats.map(async (format) => ({ format, data: await encodeOnce(candidate, format, rung.step) })));
      const best = encoded.reduce((a, b) => (b.data.length < a.data.length ? b : a));
      if (opts.maxBytes === undefined || best.data.length <= opts.maxBytes) {
        return { data: best.data, format: best.format, width: candidate.width, height: candidate.height, frames: candidate.frames.length, colours: rung.step.colours, webpQuality: rung.step.webpQuality };
      }
      smallest = Math.min(smallest, best.data.length);
    }
  } catch (err) {
    throw encodeFailed(err instanceof Error ? err.message : String(err));
  }
  throw encodeFailed(`cannot fit a ${anim.frames.length}-frame ${anim.width}x${anim.height} animation into ${opts.maxBytes} bytes (smallest ${smallest})`);
}
