/**
 * What travels inside a BullMQ job: the validated request as asked, and the effective options
 * resolveRequest made of it (requests/resolve.ts — decided once, at the intake or the submit) — JSON
 * only, image bytes stay blobs. The worker re-validates it, because anything can write to a Redis
 * queue; invalid data fails at once without retry. The worker only translates `options` into
 * engine settings (requests/render-plan.ts).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_STRENGTH } from '../engine/params.ts';
import { EffectiveOptions, type Resolved } from '../requests/resolve.ts';
import { StyleRequest } from '../requests/style-request.ts';
import { renderCost } from './eta.ts';

export { EffectiveOptions };

const JobDataV2 = z.object({
  /** Version of this shape, so a change can tell old jobs apart. */
  v: z.literal(2),
  request: StyleRequest,
  /** What will be painted: every knob settled. */
  options: EffectiveOptions,
  /** What resolveRequest changed of what was asked, in the user's words (already told at the intake). */
  notes: z.array(z.string().max(500)).max(20).default([]),
  cacheKey: z.string().min(16),
});

/**
 * A job queued before the effective options were complete (v1: only size and quality settled):
 * read with the defaults it was rendered with then, so an upgrade loses no waiting job.
 */
const JobDataV1 = z
  .object({
    v: z.literal(1),
    request: StyleRequest,
    options: EffectiveOptions.partial().required({ size: true, quality: true }),
    cacheKey: z.string().min(16),
  })
  .transform((d) => ({
    v: 2 as const,
    request: d.request,
    options: { strength: DEFAULT_STRENGTH, preserveColors: false, seed: 0, brush: 'normal' as const, ...d.options },
    notes: [],
    cacheKey: d.cacheKey,
  }));

export const JobData = z.union([JobDataV2, JobDataV1]);
export type JobData = z.output<typeof JobDataV2>;

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
    strength: options.strength,
    preserveColors: options.preserveColors,
    seed: options.seed,
    iterations: options.iterations ?? null,
    brush: options.brush,
  });
  return sha256(canonical);
}

/** The job's data: the request and what resolveRequest made of it. */
export function buildJobData(request: StyleRequest, resolved: Resolved): JobData {
  return { v: 2, request, options: resolved.options, notes: resolved.notes.map((n) => n.text), cacheKey: cacheKeyFor(request, resolved.options) };
}
