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
import { createEngine, RenderCancelled, type Engine } from '../engine/index.ts';
import { resolveOptions } from '../engine/params.ts';
import type { StyleInput } from '../engine/types.ts';
import { decodeImage, encodeImage, encodePreview, ImageError, type ImageLimits, type RgbImage } from '../images/index.ts';
import { loadPresets, supportsQuality, type Preset, type PresetCatalog } from '../presets/index.ts';
import type { BlobRef } from '../requests/style-request.ts';
import { JobFailure } from './failures.ts';
import type { RenderTask, Renderer } from './render.ts';
import type { BlobStore } from './types.ts';
import { cachedPromise } from '../util/cached-promise.ts';

/** Optimisation renders send a preview every this many steps (the quick 'fast' tier has one step). */
export const PREVIEW_EVERY = 20;

export interface EngineRendererDeps {
  engine: Engine;
  presets: PresetCatalog;
  imageLimits: Partial<ImageLimits>;
  defaults: Pick<Config['render'], 'defaultSize' | 'maxSize'>;
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
    log,
  });
}

export function engineRenderer(deps: EngineRendererDeps): Renderer {
  const presetImages = new Map<string, Promise<RgbImage>>();

  const presetImage = (preset: Preset): Promise<RgbImage> =>
    cachedPromise(presetImages, preset.id, () => readFile(deps.presets.styleImagePath(preset)).then((bytes) => decodeImage(bytes)));

  const blobImage = async (blobs: BlobStore, ref: BlobRef, what: string): Promise<RgbImage> => {
    const bytes = await blobs.get(ref.key);
    if (!bytes) throw new JobFailure('expired', `${what} blob ${ref.key} is gone (expired)`);
    try {
      return await decodeImage(bytes, deps.imageLimits);
    } catch (err) {
      if (err instanceof ImageError) throw new JobFailure('image', `${what}: ${err.message}`, err.userMessage);
      throw err;
    }
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
      const content = await blobImage(ctx.blobs, request.content, 'photo');

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
