/**
 * The real render step: blobs → pixels → engine.render → PNG. The engine and the preset catalog
 * are created once per render thread (weights load once); decoded preset paintings are kept, so
 * a popular preset is decoded once too. What to render is decided by the render plan
 * (requests/render-plan.ts), the same rules as the CLI's; every image is decoded to at most twice
 * the size the render uses it at.
 *
 * Failures are typed for the queue (failures.ts): a photo that expired or cannot be decoded and an
 * unknown preset fail at once; a cancelled render is 'cancelled'; anything else is a render error
 * that the queue retries.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createEngine, RenderCancelled, type Engine } from '../engine/index.ts';
import type { StyleInput } from '../engine/types.ts';
import { decodeImage, encodeImage, encodePreview, ImageError, type ImageLimits, type RgbImage } from '../images/index.ts';
import { loadPresets, type Preset, type PresetCatalog } from '../presets/index.ts';
import { PlanError, planRender, type PlanDefaults, type StyleCapabilities } from '../requests/render-plan.ts';
import type { BlobRef } from '../requests/style-request.ts';
import { JobFailure } from './failures.ts';
import type { RenderTask, Renderer } from './render.ts';
import type { RenderBlobs } from './types.ts';
import { cachedPromise } from '../util/cached-promise.ts';

/** Optimisation renders send a preview every this many steps (the quick 'fast' tier has one step). */
export const PREVIEW_EVERY = 20;

export interface EngineRendererDeps {
  engine: Engine;
  presets: PresetCatalog;
  imageLimits: Partial<ImageLimits>;
  defaults: PlanDefaults;
  log: Logger;
}

/** The deployment's plan defaults: Config.render's size and quality, Config.jobs' iteration cap. */
export function planDefaults(config: Config): PlanDefaults {
  return { defaultSize: config.render.defaultSize, maxSize: config.render.maxSize, defaultQuality: config.render.defaultQuality, maxIterations: config.jobs.maxIterations };
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
    defaults: planDefaults(config),
    log,
  });
}

export function engineRenderer(deps: EngineRendererDeps): Renderer {
  const presetImages = new Map<string, Promise<RgbImage>>();

  const presetImage = (preset: Preset, maxSide: number): Promise<RgbImage> =>
    cachedPromise(presetImages, `${preset.id}@${maxSide}`, () => readFile(deps.presets.styleImagePath(preset)).then((bytes) => decodeImage(bytes, undefined, { maxSide })));

  const blobImage = async (blobs: RenderBlobs, ref: BlobRef, what: string, maxSide: number): Promise<RgbImage> => {
    const bytes = await blobs.get(ref.key);
    if (!bytes) throw new JobFailure('expired', `${what} blob ${ref.key} is gone (expired)`);
    try {
      return await decodeImage(bytes, deps.imageLimits, { maxSide });
    } catch (err) {
      if (err instanceof ImageError) throw new JobFailure('image', `${what}: ${err.message}`, err.userMessage);
      throw err;
    }
  };

  return {
    async render(task: RenderTask, ctx) {
      const { request, options } = task;
      let preset: Preset | undefined;
      let style: StyleCapabilities;
      if (request.style.kind === 'preset') {
        preset = deps.presets.get(request.style.presetId);
        if (!preset) throw new JobFailure('unknown-preset', `no preset '${request.style.presetId}'`);
        style = { paintings: preset.styleImage ? 1 : 0, fastNetwork: preset.fastNetwork, presetDefaults: preset.defaults };
      } else {
        // no network was trained on the user's painting
        style = { paintings: request.style.images.length };
      }
      let plan;
      try {
        plan = planRender(
          { size: options.size, quality: options.quality, strength: options.strength, preserveColors: options.preserveColors, seed: options.seed, iterations: options.iterations },
          style,
          deps.defaults,
        );
      } catch (err) {
        if (err instanceof PlanError) throw new JobFailure('unknown-preset', err.message);
        throw err;
      }
      if (plan.fallback) deps.log.info({ jobId: task.jobId, asked: options.quality, quality: plan.quality }, plan.fallback);
      const styleLabel = preset?.title ?? 'your image';

      let styles: StyleInput[] = [];
      if (plan.usesPaintings) {
        styles =
          preset ? [{ image: await presetImage(preset, plan.decodeBounds.style), weight: 1 }]
          : request.style.kind === 'images' ? await Promise.all(request.style.images.map(async (s, i) => ({ image: await blobImage(ctx.blobs, s.blob, `style image ${i + 1}`, plan.decodeBounds.style), weight: s.weight })))
          : [];
      }
      const content = await blobImage(ctx.blobs, request.content, 'photo', plan.decodeBounds.photo);
      const renderOptions = { ...plan.options, previewEvery: plan.quality === 'fast' ? 0 : PREVIEW_EVERY };

      try {
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
      await deps.engine.dispose();
    },
  };
}
