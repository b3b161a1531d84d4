/**
 * What travels inside a BullMQ job: the validated request plus the options the jobs layer settled
 * (size capped, quality defaulted) — JSON only, image bytes stay blobs. The worker re-validates it,
 * because anything can write to a Redis queue; invalid data fails at once without retry.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { RequestOptions, StyleRequest } from '../requests/style-request.ts';
import { renderCost } from './eta.ts';

/** Request options after the deployment's defaults and caps (size, iterations): what the render (and the cache) depend on. */
export const EffectiveOptions = RequestOptions.required({ size: true, quality: true });
export type EffectiveOptions = z.infer<typeof EffectiveOptions>;

export const JobData = z.object({
  /** Version of this shape, so a future change can tell old jobs apart. */
  v: z.literal(1),
  request: StyleRequest,
  options: EffectiveOptions,
  cacheKey: z.string().min(16),
});
export type JobData = z.infer<typeof JobData>;

export function effectiveOptions(request: StyleRequest, render: Config['render'], maxIterations = Infinity): EffectiveOptions {
  const o = request.options;
  return EffectiveOptions.parse({
    size: Math.min(o.size ?? render.defaultSize, render.maxSize),
    quality: o.quality ?? render.defaultQuality,
    strength: o.strength,
    preserveColors: o.preserveColors,
    seed: o.seed,
    iterations: o.iterations === undefined ? undefined : Math.min(o.iterations, maxIterations),
    brush: o.brush,
  });
}

/** The job's estimated cost (eta.ts): its BullMQ priority, its share of the ETA, its default deadline. */
export function costOf(data: Pick<JobData, 'request' | 'options'>): number {
  return renderCost(data.options, data.request.content);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The job id is derived from the adapter's request id, so a double submission (a retried webhook,
 * a double click) maps to the same job. BullMQ ids may not contain ':' nor be integers.
 */
export function jobIdFor(request: Pick<StyleRequest, 'platform' | 'requestId'>): string {
  return `${request.platform}-${sha256(`${request.platform}\u0000${request.requestId}`).slice(0, 32)}`;
}

/** Same photo + same style + same effective options ⇒ same key ⇒ the stored result is reused. */
export function cacheKeyFor(request: StyleRequest, options: EffectiveOptions): string {
  const style =
    request.style.kind === 'preset'
      ? { preset: request.style.presetId, ...(request.style.blend ? { blend: [request.style.blend.presetId, request.style.blend.mix] } : {}) }
      : { images: request.style.images.map((i) => [i.blob.key, i.weight]) };
  // Fixed key order: JSON.stringify of a literal built here is stable.
  const canonical = JSON.stringify({
    content: request.content.key,
    style,
    size: options.size,
    quality: options.quality,
    strength: options.strength ?? null,
    preserveColors: options.preserveColors ?? null,
    seed: options.seed ?? null,
    iterations: options.iterations ?? null,
    // Only when set, so the keys of results rendered before brushes existed stay valid.
    ...(options.brush && options.brush !== 'normal' ? { brush: options.brush } : {}),
  });
  return sha256(canonical);
}

export function buildJobData(request: StyleRequest, config: Config): JobData {
  const options = effectiveOptions(request, config.render, config.jobs.maxIterations);
  return { v: 1, request, options, cacheKey: cacheKeyFor(request, options) };
}
