/**
 * The shape of presets/presets.json, validated once on load so a typo fails at start with the
 * preset and field named, not later in a render.
 */
import { z } from 'zod';
import { FAST_STYLE_NETWORKS } from '../engine/fast-style/types.ts';
import type { Preset } from './types.ts';

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - or _ (≤ 64)');

const PresetSchema = z
  .object({
    id: slug,
    aliases: z.array(slug).optional(),
    title: z.string().min(1).max(100),
    artist: z.string().min(1).max(100),
    year: z.string().min(1).max(20),
    licence: z.enum(['public-domain', 'public-domain-us', 'copyrighted']),
    licenceNote: z.string().min(1).max(120),
    styleImage: z
      .string()
      .regex(/^[\w.-]+\.(jpe?g|png|webp)$/i, 'a plain file name in presets/images/')
      .optional(),
    fastNetwork: z.enum(FAST_STYLE_NETWORKS).optional(),
    defaults: z
      .object({
        strength: z.number().min(0).max(1).optional(),
        styleScale: z.number().min(0.1).max(4).optional(),
        pooling: z.enum(['max', 'avg']).optional(),
        init: z.enum(['content', 'noise', 'fast']).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => p.styleImage !== undefined || p.fastNetwork !== undefined, { message: 'needs a styleImage, a fastNetwork, or both' });

export const PresetsFileSchema = z
  .object({ $comment: z.string().optional(), presets: z.array(PresetSchema).min(1) })
  .strict()
  .superRefine((file, ctx) => {
    // Every id and alias must name exactly one preset, or lookups would be ambiguous.
    const seen = new Map<string, string>();
    file.presets.forEach((p, i) => {
      for (const name of [p.id, ...(p.aliases ?? [])]) {
        const owner = seen.get(name);
        if (owner !== undefined && owner !== p.id) ctx.addIssue({ code: 'custom', path: ['presets', i, 'id'], message: `"${name}" is already used by ${owner}` });
        seen.set(name, p.id);
      }
    });
  });

export class PresetsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PresetsError';
  }
}

/** Validate the parsed JSON of presets.json; throws PresetsError naming each problem. */
export function parsePresetsFile(data: unknown, source = 'presets.json'): Preset[] {
  const parsed = PresetsFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new PresetsError(`${source} is invalid:\n${problems}`);
  }
  return parsed.data.presets;
}
