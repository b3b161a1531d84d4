/**
 * The real render step: blobs → pixels → engine.render → PNG. The engine and the preset catalog
 * are created once per render thread (weights load once); decoded preset paintings are kept, so
 * a popular preset is decoded once too. What to render was decided at the intake (the job's
 * effective options, requests/resolve.ts); the render plan (requests/render-plan.ts) translates them
 * into engine settings, as the CLI's; every image is decoded to at most twice the size the render
 * uses it at.
 *
 * Failures are typed for the queue (failures.ts): a photo that expired or cannot be decoded and an
 * unknown preset fail at once; a cancelled render is 'cancelled'; anything else is a render error
 * that the queue retries.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createEngine, renderAnimation, RenderCancelled, type AnimationLimits, type Engine } from '../engine/index.ts';
import type { RenderInput, StyleInput } from '../engine/types.ts';
import { decodeAnimation, decodeImage, encodeAnimation, encodeImage, encodePreview, ImageError, isAnimation, probeImage, type AnimatedImage, type ImageLimits, type RgbImage } from '../images/index.ts';
import { DecodeSandbox, type ImageDecoder } from '../images/sandbox.ts';
import { loadPresets, type Preset, type PresetCatalog } from '../presets/index.ts';
import { PlanError, planRender } from '../requests/render-plan.ts';
import { presetPart, styleCapabilities, type StyleCapabilities } from '../requests/resolve.ts';
import { presetIdsOf, type BlobRef } from '../requests/style-request.ts';
import { imageErrorText, JobFailure } from './failures.ts';
import type { RenderContext, RenderOutput, RenderTask, Renderer } from './render.ts';
import type { RenderBlobs } from './types.ts';
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
  /** Animated photos are painted frame by frame within these limits; without them only the first frame is. */
  animation?: AnimationLimits & { maxBytes: number };
  /**
   * Decodes the users' images (photo, own style images): the worker's is a DecodeSandbox (a child
   * process with a memory limit and a deadline); without one they are decoded in this thread.
   */
  decoder?: ImageDecoder;
  log: Logger;
}

/** Decoding in this thread: trusted files (presets), the CLI, tests of the engine. */
export const inlineDecoder: ImageDecoder = { probe: probeImage, image: decodeImage, animation: decodeAnimation };

export async function createEngineRenderer(config: Config, log: Logger): Promise<Renderer> {
  // Users' images are decoded in a child process of their own (src/images/sandbox.ts).
  const decoder = new DecodeSandbox({
    memoryBytes: config.limits.decodeMemoryBytes,
    timeoutMs: config.limits.decodeTimeoutMs,
    onIncident: (i) => log.warn({ kind: i.kind, detail: i.detail, peakRssMb: i.peakRssBytes && Math.round(i.peakRssBytes / 2 ** 20) }, 'decode sandbox: a decode was stopped (a new decoder takes its place)'),
  });
  const [presets, engine] = await Promise.all([
    loadPresets(config.assets.presetsDir),
    createEngine({ engine: config.render.engine, backend: config.render.backend, onnxProviders: config.render.onnxProviders, weightsDir: config.assets.weightsDir, log }),
    decoder.start(),
  ]);
  return engineRenderer({
    decoder,
    engine,
    presets,
    imageLimits: { maxBytes: config.limits.maxUploadBytes, maxPixels: config.limits.maxInputPixels },
    animation: { ...config.animation, maxBytes: ANIMATION_MAX_BYTES },
    log,
  });
}

export function engineRenderer(deps: EngineRendererDeps): Renderer {
  const presetImages = new Map<string, Promise<RgbImage>>();

  const presetImage = (preset: Preset, maxSide: number): Promise<RgbImage> =>
    cachedPromise(presetImages, `${preset.id}@${maxSide}`, () => readFile(deps.presets.styleImagePath(preset)).then((bytes) => decodeImage(bytes, undefined, { maxSide })));

  const blobBytes = async (blobs: RenderBlobs, ref: BlobRef, what: string): Promise<Buffer> => {
    const bytes = await blobs.get(ref.key);
    if (!bytes) throw new JobFailure('expired', `${what} blob ${ref.key} is gone (expired)`);
    return bytes;
  };
  const asJobFailure = async <T>(what: string, decode: () => Promise<T>): Promise<T> => {
    try {
      return await decode();
    } catch (err) {
      if (err instanceof ImageError) throw new JobFailure('image', `${what}: ${err.message}`, imageErrorText(err));
      throw err;
    }
  };
  const decoder = deps.decoder ?? inlineDecoder;
  const blobImage = async (blobs: RenderBlobs, ref: BlobRef, what: string, maxSide: number): Promise<RgbImage> => {
    const bytes = await blobBytes(blobs, ref, what);
    return asJobFailure(what, () => decoder.image(bytes, deps.imageLimits, { maxSide }));
  };
  /** The photo's frames when it is an animation (and animations are enabled), else undefined. */
  const blobClip = async (bytes: Buffer): Promise<AnimatedImage | undefined> => {
    const limits = deps.animation;
    if (!limits || !isAnimation(await asJobFailure('photo', () => decoder.probe(bytes, deps.imageLimits)))) return undefined;
    return asJobFailure('photo', () => decoder.animation(bytes, { ...deps.imageLimits, maxFrames: limits.maxFrames, maxFramePixels: limits.maxFramePixels }));
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
      // One preset, or two mixed (`blend`): the first's weight is `mix`, the second's the rest.
      const presets: Preset[] = presetIdsOf(request.style).map((id) => {
        const preset = deps.presets.get(id);
        if (!preset) throw new JobFailure('unknown-preset', `no preset '${id}'`);
        return preset;
      });
      const mix = request.style.kind === 'preset' ? request.style.blend?.mix : undefined;
      // What the style can do (a mix has no fast network); the options were settled at the intake.
      const style: StyleCapabilities = styleCapabilities(request.style.kind === 'preset' ? presets.map(presetPart) : request.style.images.map(() => ({ painting: true })));
      const photoBytes = await blobBytes(ctx.blobs, request.content, 'photo');
      const clip = await blobClip(photoBytes);
      let plan;
      try {
        plan = planRender(options, style, { animated: clip !== undefined });
      } catch (err) {
        if (err instanceof PlanError) throw new JobFailure('unknown-preset', err.message);
        throw err;
      }
      const styleLabel = presets.length ? presets.map((p) => p.title).join(' + ') : 'your image';

      let styles: StyleInput[] = [];
      if (plan.usesPaintings) {
        styles =
          presets.length ? await Promise.all(presets.map(async (p, i) => ({ image: await presetImage(p, plan.decodeBounds.style), weight: mix === undefined ? 1 : i === 0 ? mix : 1 - mix })))
          : request.style.kind === 'images' ? await Promise.all(request.style.images.map(async (s, i) => ({ image: await blobImage(ctx.blobs, s.blob, `style image ${i + 1}`, plan.decodeBounds.style), weight: s.weight })))
          : [];
      }
      const renderOptions = { ...plan.options, previewEvery: plan.quality === 'fast' ? 0 : PREVIEW_EVERY };

      try {
        if (clip) return await paintClip(clip, { styles, fastNetwork: plan.fastNetwork, options: renderOptions }, ctx, styleLabel);
        const content = await asJobFailure('photo', () => decoder.image(photoBytes, deps.imageLimits, { maxSide: plan.decodeBounds.photo }));
        const result = await deps.engine.render(
          { content, styles, fastNetwork: plan.fastNetwork, options: renderOptions },
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
      await Promise.all([deps.engine.dispose(), deps.decoder?.close?.()]);
    },
  };
}
