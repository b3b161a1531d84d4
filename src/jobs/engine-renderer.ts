/**
 * The real render step: blobs → pixels → engine.render → PNG. The engine and the preset catalog
 * are created once per worker process (weights load once); decoded preset paintings are kept, so
 * a popular preset is decoded once too.
 *
 * Failures are typed for the queue (failures.ts): a photo that expired or cannot be decoded and an
 * unknown preset fail at once; a cancelled render is 'cancelled'; anything else is a render error
 * that the queue retries.
 */
import { readFile } from 'node:fs/promises';
import type { Config, Quality } from '../config.ts';
import type { Logger } from '../log.ts';
import { createEngine, renderAnimation, RenderCancelled, type AnimationLimits, type Engine } from '../engine/index.ts';
import { resolveOptions } from '../engine/params.ts';
import type { RenderInput, StyleInput } from '../engine/types.ts';
import { decodeAnimation, decodeImage, encodeAnimation, encodeImage, encodePreview, ImageError, isAnimation, probeImage, type AnimatedImage, type ImageLimits, type RgbImage } from '../images/index.ts';
import { loadPresets, supportsQuality, type Preset, type PresetCatalog } from '../presets/index.ts';
import type { BlobRef } from '../requests/style-request.ts';
import { JobFailure } from './failures.ts';
import type { RenderContext, RenderOutput, RenderTask, Renderer } from './render.ts';
import type { BlobStore } from './types.ts';
import { cachedPromise } from '../util/cached-promise.ts';

/** Optimisation renders send a preview every this many steps (the quick 'fast' tier has one step). */
export const PREVIEW_EVERY = 20;

/**
 * A painted animation is kept under this many bytes: the smallest attachment limit of the platforms
 * (Discord's 10 MiB for bots without boosts); the encoder gives way (colours, frames, size) to fit.
 */
export const ANIMATION_MAX_BYTES = 10 * 1024 * 1024;

export interface EngineRendererDeps {
  engine: Engine;
  presets: PresetCatalog;
  imageLimits: Partial<ImageLimits>;
  defaults: Pick<Config['render'], 'defaultSize' | 'maxSize'>;
  /** Animated photos are painted frame by frame within these limits; without them only the first frame is. */
  animation?: AnimationLimits & { maxBytes: number };
  log: Logger;
}

export async function createEngineRenderer(config: Config, log: Logger): Promise<Renderer> {
  const [presets, engine] = await Promise.all([
    loadPresets(config.assets.presetsDir),
    createEngine({ engine: config.render.engine, backend: config.render.backend, onnxProviders: config.render.onnxProviders, weightsDir: config.assets.weightsDir, log }),
  ]);
  return engineRenderer({
    engine,
    presets,
    imageLimits: { maxBytes: config.limits.maxUploadBytes, maxPixels: config.limits.maxInputPixels },
    defaults: config.render,
    animation: { ...config.animation, maxBytes: ANIMATION_MAX_BYTES },
    log,
  });
}

export function engineRenderer(deps: EngineRendererDeps): Renderer {
  const presetImages = new Map<string, Promise<RgbImage>>();

  const presetImage = (preset: Preset): Promise<RgbImage> =>
    cachedPromise(presetImages, preset.id, () => readFile(deps.presets.styleImagePath(preset)).then((bytes) => decodeImage(bytes)));

  const blobBytes = async (blobs: BlobStore, ref: BlobRef, what: string): Promise<Buffer> => {
    const bytes = await blobs.get(ref.key);
    if (!bytes) throw new JobFailure('expired', `${what} blob ${ref.key} is gone (expired)`);
    return bytes;
  };
  const asJobFailure = async <T>(what: string, decode: () => Promise<T>): Promise<T> => {
    try {
      return await decode();
    } catch (err) {
      if (err instanceof ImageError) throw new JobFailure('image', `${what}: ${err.message}`, err.userMessage);
      throw err;
    }
  };
  const blobImage = async (blobs: BlobStore, ref: BlobRef, what: string): Promise<RgbImage> => {
    const bytes = await blobBytes(blobs, ref, what);
    return asJobFailure(what, () => decodeImage(bytes, deps.imageLimits));
  };
  /** The photo's frames when it is an animation (and animations are enabled), else undefined. */
  const blobClip = async (bytes: Buffer): Promise<AnimatedImage | undefined> => {
    const limits = deps.animation;
    if (!limits || !isAnimation(await asJobFailure('photo', () => probeImage(bytes, deps.imageLimits)))) return undefined;
    return asJobFailure('photo', () => decodeAnimation(bytes, { ...deps.imageLimits, maxFrames: limits.maxFrames, maxFramePixels: limits.maxFramePixels }));
  };

  /** Every frame painted (engine/animation.ts), then one GIF under the upload limit; the PNG is its first frame. */
  const paintClip = async (clip: AnimatedImage, input: Pick<RenderInput, 'styles' | 'fastNetwork' | 'options'>, ctx: RenderContext, styleLabel: string): Promise<RenderOutput> => {
    const limits = deps.animation!;
    const painted = await renderAnimation(
      deps.engine,
      { frames: clip.frames, ...input },
      limits,
      (p) => ctx.onProgress({ step: p.step, total: p.total, stage: p.stage, etaMs: p.etaMs }),
      ctx.signal,
    );
    const first = painted.frames[0];
    const gif = await asJobFailure('result', () => encodeAnimation({ ...clip, width: first.width, height: first.height, frames: painted.frames }, { formats: ['gif'], maxBytes: limits.maxBytes }));
    return {
      png: await encodeImage(first, { format: 'png' }),
      animation: { data: gif.data, format: gif.format, frames: gif.frames },
      width: gif.width,
      height: gif.height,
      engine: painted.engine,
      backend: painted.backend,
      iterations: painted.iterations,
      renderMs: painted.ms,
      styleLabel,
    };
  };

  return {
    async render(task: RenderTask, ctx) {
      const { request, options } = task;
      let quality: Quality = options.quality;
      let styles: StyleInput[] = [];
      let fastNetwork: string | undefined;
      let styleLabel = 'your image';
      let preset: Preset | undefined;

      if (request.style.kind === 'preset') {
        preset = deps.presets.get(request.style.presetId);
        if (!preset) throw new JobFailure('unknown-preset', `no preset '${request.style.presetId}'`);
        styleLabel = preset.title;
        // A preset that cannot do the asked quality does the nearest one it can: network-only
        // presets are always 'fast'; painting-only presets do 'draft' instead of 'fast'.
        if (!supportsQuality(preset, quality)) quality = quality === 'fast' ? 'draft' : 'fast';
        fastNetwork = preset.fastNetwork;
        if (quality !== 'fast' && preset.styleImage) styles = [{ image: await presetImage(preset), weight: 1 }];
      } else {
        if (quality === 'fast') quality = 'draft'; // no network was trained on the user's painting
        styles = await Promise.all(request.style.images.map(async (s, i) => ({ image: await blobImage(ctx.blobs, s.blob, `style image ${i + 1}`), weight: s.weight })));
      }
      const photoBytes = await blobBytes(ctx.blobs, request.content, 'photo');
      const clip = await blobClip(photoBytes);
      // Presets with a fast network paint animations with it: one pass per frame.
      if (clip && fastNetwork && quality !== 'fast') {
        quality = 'fast';
        styles = [];
      }
      const content = clip ? clip.frames[0] : await asJobFailure('photo', () => decodeImage(photoBytes, deps.imageLimits));

      const renderOptions = resolveOptions(
        {
          ...preset?.defaults,
          // Only what the user set overrides the preset's defaults (an undefined would erase them).
          ...definedOnly({ strength: options.strength, preserveColors: options.preserveColors, seed: options.seed, iterations: options.iterations }),
          previewEvery: quality === 'fast' ? 0 : PREVIEW_EVERY,
        },
        { size: Math.min(options.size, deps.defaults.maxSize), quality },
      );

      try {
        if (clip) return await paintClip(clip, { styles, fastNetwork, options: renderOptions }, ctx, styleLabel);
        const result = await deps.engine.render(
          { content, styles, fastNetwork, options: renderOptions },
          (p) =>
            ctx.onProgress({
              step: p.step,
              total: p.total,
              stage: p.stage,
              etaMs: p.etaMs,
              preview: p.preview ? encodePreview(p.preview) : undefined,
            }),
          ctx.signal,
        );
        const png = await encodeImage(result.image, { format: 'png' });
        return {
          png,
          width: result.image.width,
          height: result.image.height,
          engine: result.engine,
          backend: result.backend,
          iterations: result.iterations,
          renderMs: result.ms,
          styleLabel,
        };
      } catch (err) {
        if (err instanceof RenderCancelled) throw new JobFailure('cancelled', 'render cancelled');
        throw err;
      }
    },
    async close() {
      await deps.engine.dispose();
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
