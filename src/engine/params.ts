/**
 * Every parameter of a render in one list, with the values of Gatys et al. (2015) and
 * jcjohnson/neural-style where they carry over, and what a quality tier or a strength means.
 *
 *   parameter         here                        neural-style default
 *   content layer     relu4_2                     relu4_2
 *   style layers      relu1_1 … relu5_1, equal    same, equal weights
 *   optimiser         L-BFGS                      lbfgs (adam: learning rate 10)
 *   init              content                     random (content converges in far fewer steps)
 *   pooling           max                         max
 *   style scale       1                           1.0
 *   iterations        by quality tier, multi-scale 1000 at one scale
 *
 * Loss weights: every term is divided by its target's energy (loss-spec.ts lossWeights), so the
 * numbers below are scale-free ratios: they mean the same for every layer, photo and painting.
 */
import type { LayerName, OptimizerName, InitName, Pooling, Quality, RenderOptions } from './types.ts';
import type { LossMix } from './loss-spec.ts';

export const CONTENT_LAYER: LayerName = 'relu4_2';
export const STYLE_LAYERS: readonly LayerName[] = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];

/** The mix at strength 0.5 (style : content of the energy-normalised terms; TV on 0–255 pixels). */
export const LOSS_WEIGHTS: LossMix = {
  content: 1,
  style: 3,
  tv: 0,
};

/** How many decades the style weight moves from strength 0.5 to 1 (and down towards 0). */
export const STRENGTH_DECADES = 1;

/** Strength s ∈ [0, 1] → style weight: log-linear around s = 0.5; 0 is the photo. */
export function styleWeightFor(strength: number, base = LOSS_WEIGHTS.style): number {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must be in [0, 1], got ${strength}`);
  if (strength === 0) return 0;
  return base * 10 ** (2 * STRENGTH_DECADES * (strength - 0.5));
}

/** The loss mix of a render at this strength; loss-spec.ts lossWeights turns it into a LossSpec's weights. */
export function lossMixFor(strength: number): LossMix {
  return { content: LOSS_WEIGHTS.content, style: styleWeightFor(strength), tv: LOSS_WEIGHTS.tv };
}

/**
 * Quality tiers: coarse-to-fine scales (fractions of the output's longest side) and loss+gradient
 * evaluations at each. Cost grows with pixels, so the coarse scales are cheap; they settle the
 * large structures and the full scale adds detail. Scales under MIN_SCALE_PX are dropped.
 */
export interface Tier {
  scales: number[];
  iterations: number[];
}

export const TIERS: Record<Exclude<Quality, 'fast'>, Tier> = {
  draft: { scales: [0.5, 1], iterations: [60, 25] },
  balanced: { scales: [0.25, 0.5, 1], iterations: [100, 60, 40] },
  best: { scales: [0.25, 0.5, 1], iterations: [250, 200, 150] },
};

export const INIT_COLOUR_MATCH = { on: true };
export const SCALE_HANDOFF: { mode: 'residual' | 'image' } = { mode: 'residual' };

/** Smallest side a scale may have (VGG's relu5_1 is 1/16 of the input). */
export const MIN_SCALE_PX = 48;

/** Early stopping: stop a scale when its loss improved < 0.2% over the last 15 evaluations. */
export const PLATEAU = { window: 15, relTol: 2e-3 };

export interface ScalePlan {
  /** Longest side at this scale. */
  size: number;
  iterations: number;
}

/**
 * The scales of a render: the tier's fractions of `size`. A scale under MIN_SCALE_PX is merged into
 * the next one up (its iterations with it), so small outputs get the whole budget at one or two
 * scales. `iterations` overrides the total, shared in the tier's proportions.
 */
export function planScales(size: number, quality: Exclude<Quality, 'fast'>, iterations?: number): ScalePlan[] {
  const tier = TIERS[quality];
  const plan: ScalePlan[] = [];
  let carried = 0;
  tier.scales.forEach((f, i) => {
    const s = Math.min(size, Math.round(size * f));
    const its = tier.iterations[i] + carried;
    carried = 0;
    if (s < MIN_SCALE_PX && i < tier.scales.length - 1) {
      carried = its;
      return;
    }
    const prev = plan[plan.length - 1];
    if (prev && prev.size === s) prev.iterations += its;
    else plan.push({ size: s, iterations: its });
  });
  if (iterations !== undefined && iterations < plan.length) return [{ size, iterations }];
  if (iterations !== undefined) {
    // each scale gets 1, the rest in the tier's proportions (largest remainders), summing exactly
    const total = plan.reduce((a, p) => a + p.iterations, 0);
    const spare = iterations - plan.length;
    const exact = plan.map((p) => (p.iterations * spare) / total);
    const given = exact.map(Math.floor);
    let left = spare - given.reduce((a, b) => a + b, 0);
    [...exact.keys()].sort((i, j) => (exact[j] - given[j]) - (exact[i] - given[i])).forEach((i) => {
      if (left-- > 0) given[i]++;
    });
    plan.forEach((p, i) => (p.iterations = 1 + given[i]));
  }
  return plan;
}

/** Defaults of every RenderOptions field (size and quality come from the Config when not given). */
export const DEFAULT_OPTIONS: Omit<RenderOptions, 'size' | 'quality'> = {
  strength: 0.5,
  preserveColors: false,
  styleScale: 1,
  pooling: 'max' as Pooling,
  optimizer: 'lbfgs' as OptimizerName,
  init: 'content' as InitName,
  seed: 0,
  previewEvery: 0,
};

/** Fill a partial set of options with the defaults (`defaults` carries size/quality from Config). */
export function resolveOptions(partial: Partial<RenderOptions>, defaults: { size: number; quality: Quality; maxSize?: number }): RenderOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<RenderOptions>;
  const o: RenderOptions = { ...DEFAULT_OPTIONS, size: defaults.size, quality: defaults.quality, ...defined };
  if (!Number.isInteger(o.size) || o.size < 32) throw new Error(`size must be an integer ≥ 32, got ${o.size}`);
  if (defaults.maxSize !== undefined && o.size > defaults.maxSize) throw new Error(`size ${o.size} exceeds the maximum ${defaults.maxSize}`);
  if (o.iterations !== undefined && (!Number.isInteger(o.iterations) || o.iterations < 1)) throw new Error(`iterations must be a positive integer, got ${o.iterations}`);
  styleWeightFor(o.strength); // validates
  if (!(o.styleScale > 0 && o.styleScale <= 4)) throw new Error(`styleScale must be in (0, 4], got ${o.styleScale}`);
  if (!Number.isInteger(o.previewEvery) || o.previewEvery < 0) throw new Error(`previewEvery must be a non-negative integer`);
  return o;
}
