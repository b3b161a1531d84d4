/**
 * The render plan: what the user asked for (a chat request's options, or the CLI's flags) and what
 * the style can do → the engine's RenderOptions. One set of rules for the worker
 * (jobs/engine-renderer.ts) and the CLI (cli/stylize.ts):
 *
 *   size       asked, else the deployment's default; capped at its maximum
 *   quality    asked, else the default; then the nearest one the style can do: without a fast
 *              network 'fast' becomes 'draft'; without a painting every tier becomes 'fast'
 *              (the CLI, `strict`, refuses a tier the operator named rather than change it)
 *   iterations asked (capped at EASEL_MAX_ITERATIONS), else the tier's
 *   brush      fine | normal | bold → the style image's scale relative to the output (styleScale),
 *              as a factor on the style's own scale; an explicit styleScale (the CLI's) wins
 *   the rest   what the user set, over the preset's defaults, over params.ts's defaults
 *
 * It also bounds the images: each is decoded to at most twice the longest side the render will
 * use it at (`decodeBounds`), so a 50 MP photo never becomes 50 MP of floats.
 */
import { resolveOptions } from '../engine/params.ts';
import { QUALITIES, type Quality, type RenderOptions } from '../engine/types.ts';

export { QUALITIES, type Quality };

/**
 * Brush size, as users say it: how large the painting's strokes and textures come out. The style
 * image is scaled relative to the output by this factor (on top of the preset's own styleScale), so
 * the optimisation matches its features at that scale: smaller → finer strokes, larger → bolder.
 */
export const BRUSHES = ['fine', 'normal', 'bold'] as const;
export type Brush = (typeof BRUSHES)[number];
export const BRUSH_SCALE: Record<Brush, number> = { fine: 0.5, normal: 1, bold: 1.75 };

/** The styleScale a brush gives on a style whose own scale is `base` (kept within the engine's (0, 4]). */
export function brushStyleScale(brush: Brush, base = 1): number {
  return Math.min(4, Math.max(0.1, base * BRUSH_SCALE[brush]));
}

/** What the style offers, known before any image is decoded. */
export interface StyleCapabilities {
  /** Paintings to optimise towards (a preset's, or the user's images). */
  paintings: number;
  /** The preset's fast feed-forward network, when it has one. */
  fastNetwork?: string;
  /** Per-preset defaults (strength, style scale, pooling, init). */
  presetDefaults?: Partial<RenderOptions>;
}

/** The deployment's defaults and caps (Config.render and Config.jobs in the worker, the same in the CLI). */
export interface PlanDefaults {
  defaultSize: number;
  maxSize: number;
  defaultQuality: Quality;
  maxIterations: number;
}

export interface RenderPlan {
  quality: Quality;
  /** Set when the asked quality could not be honoured: says what was done instead, for a log or the CLI. */
  fallback?: string;
  /** Whether the painting(s) are used (not for 'fast'): a worker need not load them otherwise. */
  usesPaintings: boolean;
  fastNetwork?: string;
  options: RenderOptions;
  /** Longest side to decode each image to (shrink-on-load): twice what the render uses, at most. */
  decodeBounds: { photo: number; style: number };
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

/** Only what was set: an undefined must not erase a preset's default. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The nearest quality `style` can do, and why it differs from the asked one. `strict` (the CLI,
 * where the operator chose the tier) refuses instead of falling back.
 */
export function nearestQuality(asked: Quality, style: StyleCapabilities, strict = false): { quality: Quality; fallback?: string } {
  const nothing = () => new PlanError('this style has neither a painting nor a fast network');
  let reason: string | undefined;
  let quality: Quality = asked;
  if (asked === 'fast' && !style.fastNetwork) {
    if (style.paintings === 0) throw nothing();
    reason = "quality 'fast' needs a preset with a fast network";
    quality = 'draft';
  } else if (asked !== 'fast' && style.paintings === 0) {
    if (!style.fastNetwork) throw nothing();
    reason = `quality '${asked}' needs a painting to optimise towards, and this style only has a fast network`;
    quality = 'fast';
  }
  if (!reason) return { quality };
  if (strict) throw new PlanError(`${reason}: use --quality ${quality}`);
  return { quality, fallback: `${reason}: rendering '${quality}' instead` };
}

/**
 * Request (or CLI) options + style → the plan. Throws PlanError for a style that can do nothing,
 * and resolveOptions' errors for out-of-range values.
 */
export function planRender(askedWithBrush: Partial<RenderOptions> & { brush?: Brush }, style: StyleCapabilities, defaults: PlanDefaults & { strict?: boolean }): RenderPlan {
  const { brush, ...asked } = askedWithBrush;
  if (brush && asked.styleScale === undefined) asked.styleScale = brushStyleScale(brush, style.presetDefaults?.styleScale);
  // Strict only for a tier the user named: a default that does not fit the style just adapts.
  const { quality, fallback } = nearestQuality(asked.quality ?? defaults.defaultQuality, style, defaults.strict === true && asked.quality !== undefined);
  const size = Math.min(asked.size ?? defaults.defaultSize, defaults.maxSize);
  const iterations = asked.iterations === undefined ? undefined : Math.min(asked.iterations, defaults.maxIterations);
  // A preset's init 'fast' starts from its network's picture; without the network (two paintings
  // mixed) the optimisation starts from the photo.
  const { init: presetInit, ...presetDefaults } = style.presetDefaults ?? {};
  const init = presetInit === 'fast' && !style.fastNetwork ? undefined : presetInit;
  const options = resolveOptions({ ...presetDefaults, ...(init ? { init } : {}), ...definedOnly(asked), quality, size, iterations }, { size, quality });
  return {
    quality,
    fallback,
    usesPaintings: quality !== 'fast',
    fastNetwork: style.fastNetwork,
    options,
    decodeBounds: decodeBounds(options),
  };
}

/** Twice the longest side each image is used at: the photo at `size`, a painting at size × styleScale. */
export function decodeBounds(o: Pick<RenderOptions, 'size' | 'styleScale'>): { photo: number; style: number } {
  return { photo: 2 * o.size, style: 2 * Math.max(32, Math.round(o.size * o.styleScale)) };
}
