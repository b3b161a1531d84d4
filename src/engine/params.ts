/**
 * Every parameter of a render in one list, each with the reason it has its value. The measurements
 * are `npm run bench -- --only quality` (bench/quality.ts): style and content distance to the
 * baseline recipe (the PyTorch tutorial's: one scale, photo start, L-BFGS, 150 evaluations, style
 * 3 : content 1 of energy-normalised terms), golden_gate × starry-night and stata × the-scream at
 * 128 and 256 px, issue #14.
 *
 *   parameter         here                        why
 *   content layer     relu4_2                     the paper's; also what the content distance measures
 *   style layers      relu1_1 … relu5_1, equal    the paper's; each divided by its target's energy
 *   loss weights      style 3 : content 1, TV 0   energy-normalised terms make the ratio scale-free;
 *                                                 3 : 1 is the baseline's, whose look is the paper's
 *   optimiser         L-BFGS, 8 pairs, first step 8 px   30 pairs: no gain at 128 px (style 0.125 vs 0.127
 *                                                 after 80 evals); first step 32 px: worse at 256 (1.75× vs 1.61×)
 *   line search       strong Wolfe, c2 0.9        every iteration takes its first trial (256 px, golden gate ×
 *                                                 Starry Night: 64 evaluations = 64 iterations): no budget is lost to it
 *   preconditioner    multi-scale, growth 2       the same quality in ~0.4× the evaluations (PRECONDITIONER)
 *   init              the photo, or the preset's fast network (presets.json)   fast start: at 256 px,
 *                                                 64 evals, stata × Scream style 0.137 vs 0.145 from the photo
 *   pooling           max                         the paper's; the distances are measured with max
 *   style scale       1 (painting at the output's size, at every scale)   as the metric sizes it
 *   tiers             see TIERS below
 */
import type { LayerName, OptimizerName, InitName, Pooling, Quality, RenderOptions } from './types.ts';
import type { LossMix } from './loss-spec.ts';

export const CONTENT_LAYER: LayerName = 'relu4_2';
export const STYLE_LAYERS: readonly LayerName[] = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];

/**
 * The mix at the default strength, 0.75 (style : content of the energy-normalised terms; TV on 0–255 pixels).
 *   style 3 : content 1 — the baseline's ratio: at 256 px it reaches style 0.112 / content 0.700 on
 *     golden_gate × starry-night, the paper's figure by eye (the old per-layer activation scaling
 *     gave 0.361 / 0.393: the photo with a faint texture).
 *   TV 0 — with every other term a relative error (~0.1–1), the old 1e-3 on 0–255 pixels weighed
 *     as much as the style term on a photo's edges and blurred the brushwork; the baseline has none.
 */
export const LOSS_WEIGHTS: LossMix = {
  content: 1,
  style: 3,
  tv: 0,
};

/** The default strength: the paper's look (style 3 : content 1, LOSS_WEIGHTS) sits here on STRENGTH_CURVE. */
export const DEFAULT_STRENGTH = 0.75;

/**
 * Strength → style weight (relative to content 1), log-interpolated between these points; 0 is the
 * photo (weight 0) and (0, 0.25) scales the first point linearly down to it.
 * Why this curve: the old one (one decade either way around 0.5, ≈ 1 : 1 at 0.25) spent half of the
 * content distance between 0 and 0.25 — 0.25 was already fully painted. The content distance grows
 * roughly with the log of the style weight only once the weight is well above 1, so the low end
 * needs weights well below 1: 0.1 (a touch of the painting), 0.55, 3 (the paper's, the default),
 * 30 (fully painted, as strength 1 was). Measured steps: see the README's strength table.
 */
export const STRENGTH_CURVE: readonly { strength: number; style: number }[] = [
  { strength: 0.25, style: 0.1 },
  { strength: 0.5, style: 0.55 },
  { strength: DEFAULT_STRENGTH, style: 3 },
  { strength: 1, style: 30 },
];

/** Strength s ∈ [0, 1] → style weight on STRENGTH_CURVE, scaled so that the default strength gives `base`. */
export function styleWeightFor(strength: number, base = LOSS_WEIGHTS.style): number {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must be in [0, 1], got ${strength}`);
  if (strength === 0) return 0;
  const scale = base / LOSS_WEIGHTS.style;
  const first = STRENGTH_CURVE[0];
  if (strength <= first.strength) return scale * first.style * (strength / first.strength);
  for (let i = 1; i < STRENGTH_CURVE.length; i++) {
    const a = STRENGTH_CURVE[i - 1];
    const b = STRENGTH_CURVE[i];
    if (strength <= b.strength) {
      const t = (strength - a.strength) / (b.strength - a.strength);
      return scale * a.style * (b.style / a.style) ** t;
    }
  }
  return scale * STRENGTH_CURVE[STRENGTH_CURVE.length - 1].style;
}

/** The loss mix of a render at this strength; loss-spec.ts lossWeights turns it into a LossSpec's weights. */
export function lossMixFor(strength: number): LossMix {
  return { content: LOSS_WEIGHTS.content, style: styleWeightFor(strength), tv: LOSS_WEIGHTS.tv };
}

/**
 * Quality tiers: loss+gradient evaluations at the output's size, preconditioned (PRECONDITIONER),
 * from the photo or the preset's fast network. Measured at 256 px against the baseline's 150
 * evaluations (style / content distance ratios; time ≈ evaluations / 150):
 *   - one scale: coarse-to-fine does not pay. At the cost of 36 full-size evaluations, [½, 1] ×
 *     [40, 26] gave 1.15× / 1.12× against one scale's 1.14× / 1.09× (golden gate × Starry Night): a
 *     coarse scale's deep-layer Grams (relu4_1, relu5_1, which dominate the style distance) do not
 *     carry over to the full size, so its work is mostly redone there. The preconditioner gets the
 *     coarse moves at full size instead.
 *   - with the preconditioner, L-BFGS reaches the baseline in ~64 evaluations (golden gate 1.03× /
 *     1.05×, stata × Scream 0.95× / 0.99× from its fast network, ballerina × Great Wave 0.98× /
 *     1.05× from its fast network); 22 evaluations give 1.30× / 1.15×, 8 give ~3×.
 * draft    16 evaluations (~0.11× the baseline's time): painted, coarser than balanced (style
 *          1.2–1.7× the baseline's) — a quick look.
 * balanced 64 evaluations (~0.43×): the baseline's look (within 5% on both distances on 9 of 12
 *          pairs, 7% on all); the 0.15× of issue #14 would leave it 1.3× off in style.
 * best     300 evaluations (stops at a plateau): beyond the baseline on both distances.
 */
export interface Tier {
  evaluations: number;
}

export const TIERS: Record<Exclude<Quality, 'fast'>, Tier> = {
  draft: { evaluations: 16 },
  balanced: { evaluations: 64 },
  best: { evaluations: 300 },
};

/** A render's evaluation budget: an explicit `iterations`, else its tier's. */
export function evaluationsFor(quality: Exclude<Quality, 'fast'>, iterations?: number): number {
  return iterations ?? TIERS[quality].evaluations;
}

/**
 * The optimiser's multi-scale preconditioner (optim/precondition.ts): L-BFGS's H₀ is the identity
 * plus pyramid levels smoothing at spacings 2, 4, … px (up to a quarter of the image), level k
 * weighted growth^k, so structure 2^k px wide moves about 2^k times as far per step as single-pixel
 * detail. 128 px, golden_gate × starry-night, 22 evaluations: style 0.161 against 0.220 without it
 * (the baseline's 150 give 0.114); at 256 px 0.146 against 0.207, and 64 evaluations reach the
 * baseline (0.116 vs 0.112). Weights 4^k overshoot (0.227), 1 per level helps less (0.176), growth
 * 1.6 or 2.5 the same (0.162, 0.163), triangle blurs instead of a pyramid the same (0.163) at 5×
 * the cost; a colour preconditioner, a longer history (4, 20), a style-heavy first phase and a
 * colour-matched start added nothing. `growth` 0 turns it off (plain L-BFGS).
 */
export const PRECONDITIONER = { growth: 2 };

/** Early stopping: stop when the loss improved < 0.2% over the last 15 evaluations. */
export const PLATEAU = { window: 15, relTol: 2e-3 };

/** Defaults of every RenderOptions field (size and quality come from the Config when not given). */
export const DEFAULT_OPTIONS: Omit<RenderOptions, 'size' | 'quality'> = {
  strength: DEFAULT_STRENGTH,
  preserveColors: false,
  styleScale: 1,
  pooling: 'max' as Pooling,
  optimizer: 'lbfgs' as OptimizerName,
  init: 'content' as InitName,
  seed: 0,
  previewEvery: 0,
};

/**
 * Fill a partial set of options with the defaults (`defaults` carries size/quality). Limits are the
 * request's business (requests/resolve.ts); these checks only guard the engine against nonsense.
 */
export function resolveOptions(partial: Partial<RenderOptions>, defaults: { size: number; quality: Quality }): RenderOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<RenderOptions>;
  const o: RenderOptions = { ...DEFAULT_OPTIONS, size: defaults.size, quality: defaults.quality, ...defined };
  if (!Number.isInteger(o.size) || o.size < 32) throw new Error(`size must be an integer ≥ 32, got ${o.size}`);
  if (o.iterations !== undefined && (!Number.isInteger(o.iterations) || o.iterations < 1)) throw new Error(`iterations must be a positive integer, got ${o.iterations}`);
  styleWeightFor(o.strength); // validates
  if (!(o.styleScale > 0 && o.styleScale <= 4)) throw new Error(`styleScale must be in (0, 4], got ${o.styleScale}`);
  if (!Number.isInteger(o.previewEvery) || o.previewEvery < 0) throw new Error(`previewEvery must be a non-negative integer`);
  return o;
}
