/**
 * The animated branch of `easel stylize`: an animated GIF or WebP photo in, every frame painted
 * (src/engine/animation.ts), an animated GIF or WebP out — the format the output's name asks for.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { decodeAnimation, encodeAnimation, imageLimitsFromConfig, type AnimatedImage, type AnimationFormat } from '../images/index.ts';
import { renderAnimation } from '../engine/index.ts';
import type { Engine, ProgressCallback, RenderOptions, RenderResult, StyleInput } from '../engine/types.ts';

/** Output names that ask for an animation, and the format each writes. */
const ANIMATED_OUTPUTS: Record<string, AnimationFormat> = { '.gif': 'gif', '.webp': 'webp' };

export function animatedOutputFormat(file: string): AnimationFormat | undefined {
  return ANIMATED_OUTPUTS[path.extname(file).toLowerCase()];
}

/** Decode the photo's frames within the configured limits (before any engine loads: bad input fails fast). */
export async function decodeClip(bytes: Uint8Array, config: Config, file: string): Promise<AnimatedImage> {
  const clip = await decodeAnimation(bytes, { ...imageLimitsFromConfig(config), maxFrames: config.animation.maxFrames, maxFramePixels: config.animation.maxFramePixels });
  if (clip.frames.length < 2) throw new Error(`${file} is a still image: an animated result (.gif, .webp) needs an animated GIF or WebP photo — or write .png / .jpg`);
  return clip;
}

export interface StylizeAnimationArgs {
  clip: AnimatedImage;
  styles: StyleInput[];
  fastNetwork?: string;
  options: RenderOptions;
  engine: Engine;
  config: Config;
  out: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Paint every frame and write the animation; the result reads like a still render's, plus its frame count. */
export async function stylizeAnimation(args: StylizeAnimationArgs): Promise<Omit<RenderResult, 'initialLosses' | 'finalLosses'> & { frames: number; output: string }> {
  const { clip, config } = args;
  const result = await renderAnimation(args.engine, { frames: clip.frames, styles: args.styles, fastNetwork: args.fastNetwork, options: args.options }, config.animation, args.onProgress, args.signal);
  const encoded = await encodeAnimation({ ...clip, width: result.frames[0].width, height: result.frames[0].height, frames: result.frames }, { formats: [animatedOutputFormat(args.out)!] });
  const out = path.resolve(args.out);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, encoded.data);
  return {
    image: result.frames[0],
    engine: result.engine,
    backend: result.backend,
    iterations: result.iterations,
    ms: result.ms,
    frames: encoded.frames,
    output: out,
  };
}
