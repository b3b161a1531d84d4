/**
 * StyleRequest: the platform-neutral request that chat adapters (and the CLI) hand down to the jobs
 * layer. The only thing adapters produce; nothing below them knows Discord or Slack.
 *
 * `replyTo` is the adapter's own routing data (channel, thread, interaction token…): the core stores
 * and returns it untouched, and hands a finished job back to the adapter named by `platform`.
 * Image bytes never travel in a request: they are blobs in Redis, referenced by key (see src/jobs/blobs.ts).
 */
import { z } from 'zod';
import { QUALITIES } from '../engine/types.ts';
import { BRUSHES } from './brush.ts';

export const PLATFORMS = ['discord', 'slack', 'cli'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const BlobRef = z.object({
  /** Blob key (content hash) in the blob store. */
  key: z.string().min(8).max(200),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type BlobRef = z.infer<typeof BlobRef>;

export const StyleChoice = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('preset'),
    presetId: z.string().min(1).max(64),
    /**
     * A second painting mixed with the first: `mix` is the first painting's weight (0.7 = mostly
     * the first), the second gets 1 − mix. Absent = the one painting.
     */
    blend: z.object({ presetId: z.string().min(1).max(64), mix: z.number().gt(0).lt(1) }).optional(),
  }),
  z.object({
    kind: z.literal('images'),
    images: z.array(z.object({ blob: BlobRef, weight: z.number().positive().default(1) })).min(1).max(4),
  }),
]);
export type StyleChoice = z.infer<typeof StyleChoice>;

/** The preset ids a style choice names (one, or two when mixed). */
export function presetIdsOf(style: StyleChoice): string[] {
  return style.kind === 'preset' ? [style.presetId, ...(style.blend ? [style.blend.presetId] : [])] : [];
}

/**
 * The options as the user asked for them: read (a number is a number, a choice one of the table's)
 * but not yet held to any limit — resolveRequest (resolve.ts) caps them, once, for every entry point,
 * and the job stores what it made of them. Absent = the default.
 */
export const RequestOptions = z.object({
  /** Output's longest side. */
  size: z.number().finite().optional(),
  quality: z.enum(QUALITIES).optional(),
  strength: z.number().finite().optional(),
  preserveColors: z.boolean().optional(),
  seed: z.number().finite().optional(),
  iterations: z.number().finite().optional(),
  /** Brush size: the painting's scale relative to the output (brush.ts BRUSH_SCALE). */
  brush: z.enum(BRUSHES).optional(),
});
export type RequestOptions = z.infer<typeof RequestOptions>;

export const StyleRequest = z.object({
  /** Idempotency key chosen by the adapter (e.g. the interaction id): a double submission is one job. */
  requestId: z.string().min(1).max(200),
  platform: z.enum(PLATFORMS),
  user: z.object({ id: z.string().min(1).max(100), name: z.string().max(200).optional() }),
  /**
   * The community the request comes from (Discord guild id, Slack team id); absent in DMs and the
   * CLI. Part of the requester's identity: limits, the per-server cap and cancel use it.
   */
  server: z.string().min(1).max(100).optional(),
  /** Adapter-owned routing data, returned untouched with every job event. Must be JSON. */
  replyTo: z.record(z.string(), z.unknown()),
  content: BlobRef,
  style: StyleChoice,
  options: RequestOptions.default({}),
});
export type StyleRequest = z.infer<typeof StyleRequest>;
export type StyleRequestInput = z.input<typeof StyleRequest>;

/** Validate unknown data as a StyleRequest; throws a ZodError naming the bad fields. */
export function parseStyleRequest(data: unknown): StyleRequest {
  return StyleRequest.parse(data);
}
