/**
 * The render plan: the effective options (resolve.ts: what the user asked, after the server's and the
 * deployment's limits and the style's capabilities) → the engine's RenderOptions. It decides nothing
 * about the request; it only translates, the same for the worker (jobs/engine-renderer.ts) and the
 * CLI (cli/stylize.ts):
 *
 *   brush      fine | normal | bold → the style image's scale relative to the output (styleScale),
 *              as a factor on the style's own scale; an explicit styleScale (the CLI's) wins
 *   quality    'fast' paints with the style's network; an animated photo is painted with the network
 *              when the style has one (one pass per frame)
 *   the rest   the effective options, over the preset's defaults, over params.ts's defaults
 *
 * It also bounds the images: each is decoded to at most twice the longest side the render will
 * use it at (`decodeBounds`), so a 50 MP photo never becomes 50 MP of floats.
 */
import { resolveOptions } from '../engine/params.ts';
import { QUALITIES, type Quality, type RenderOptions } from '../engine/types.ts';
import { brushStyleScale } from './brush.ts';
import type { EffectiveOptions, StyleCapabilities } from './resolve.ts';

export { QUALITIES, type Quality };
export { BRUSHES, BRUSH_SCALE, brushStyleScale, type Brush } from './brush.ts';
export type { StyleCapabilities } from './resolve.ts';

/** Engine knobs only the CLI offers (option table: set by the user of `easel stylize`). */
export type EngineExtras = Partial<Pick<RenderOptions, 'styleScale' | 'pooling' | 'optimizer' | 'init'>>;

export interface RenderPlan {
  quality: Quality;
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
 * Effective options + style → the plan. `animated`: the photo is an animation (painted frame by
 * frame). Throws PlanError when the options ask for what the style lacks (a job written by
 * something other than resolveRequest).
 */
export function planRender(effective: EffectiveOptions, style: StyleCapabilities, opts: { animated?: boolean; extras?: EngineExtras } = {}): RenderPlan {
  const { brush, ...knobs } = effective;
  const extras = definedOnly(opts.extras ?? {});
  // An animation is painted with the style's network where it has one: one pass per frame.
  const quality: Quality = opts.animated && style.fastNetwork ? 'fast' : knobs.quality;
  if (quality === 'fast' && !style.fastNetwork) throw new PlanError("quality 'fast' needs a style with a fast network");
  if (quality !== 'fast' && style.paintings === 0) throw new PlanError(`quality '${quality}' needs a painting to optimise towards`);
  const styleScale = extras.styleScale ?? brushStyleScale(brush, style.presetDefaults?.styleScale);
  // A preset's init 'fast' starts from its network's picture; without the network (two paintings
  // mixed) the optimisation starts from the photo.
  const { init: presetInit, strength: _strength, ...presetDefaults } = style.presetDefaults ?? {};
  const init = presetInit === 'fast' && !style.fastNetwork ? undefined : presetInit;
  const options = resolveOptions({ ...presetDefaults, ...(init ? { init } : {}), ...extras, ...definedOnly(knobs), quality, styleScale }, { size: knobs.size, quality });
  return {
    quality,
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
