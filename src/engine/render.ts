/**
 * The render pipeline, engine-agnostic (it sees a LossBackend and, for quality 'fast', a
 * FastStyleRunner):
 *
 *   for each scale, coarse to fine (params.planScales):
 *     content → features at the content layer ─┐
 *     styles  → Gram targets (cached), blended ─┼─► LossSpec ─► evaluator ─► optimise() ─► x
 *     x₀ = init (first scale) or the photo plus the previous scale's (x − photo) upsampled
 *
 * Colour preservation runs the whole optimisation on luminance images and puts the photo's chroma
 * back at the end (and on previews). Progress counts evaluations over all scales.
 */
import { blendGramTargets, lossWeights } from './loss-spec.ts';
import { optimise, type StepReport } from './optimise.ts';
import { CONTENT_LAYER, PLATEAU, PRECONDITIONER, STYLE_LAYERS, lossMixFor, planScales, type ScalePlan } from './params.ts';
import { imagePreconditioner } from './optim/precondition.ts';
import { fitLongest } from '../images/resize.ts';
import { resizeBilinear, resizeFloat, subtract, toFloat, toRgb, type FloatImage } from './pixels.ts';
import { greyOf, matchedGrey, withChromaOf } from './colour.ts';
import { noiseImage } from './init.ts';
import { GramCache, imageKey } from './style-targets.ts';
import { RenderCancelled, type LossBackend, type LossParts, type ProgressCallback, type RenderInput, type RenderResult } from './types.ts';
import type { FastStyleRunner } from './fast-style/types.ts';
import type { RgbImage } from '../images/types.ts';

export interface RenderDeps {
  backend: LossBackend;
  /** Needed for quality 'fast' and init 'fast'; loaded on first use. */
  fastStyle?: () => Promise<FastStyleRunner>;
  gramCache?: GramCache;
}

export class FastStyleUnavailable extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'FastStyleUnavailable';
  }
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new RenderCancelled();
}

/** Milliseconds left, from the time per pixel-evaluation measured so far. */
class EtaModel {
  private pixelSteps = 0;
  private ms = 0;
  add(pixels: number, ms: number): void {
    this.pixelSteps += pixels;
    this.ms += ms;
  }
  estimate(remainingPixelSteps: number): number | undefined {
    return this.pixelSteps > 0 ? (this.ms / this.pixelSteps) * remainingPixelSteps : undefined;
  }
}

export async function render(deps: RenderDeps, input: RenderInput, onProgress?: ProgressCallback, signal?: AbortSignal): Promise<RenderResult> {
  const started = performance.now();
  const o = input.options;
  checkAbort(signal);
  const { width, height } = fitLongest(input.content.width, input.content.height, o.size);
  const photo = toFloat(input.content);

  if (o.quality === 'fast') {
    const image = await runFast(deps, input, width, height, signal);
    onProgress?.({ step: 1, total: 1, stage: 'fast network' });
    const out = o.preserveColors ? toRgb(withChromaOf(toFloat(image), await resizeFloat(photo, width, height))) : image;
    const runner = await deps.fastStyle!();
    return { image: out, engine: runner.engine, backend: runner.backend, iterations: 0, ms: performance.now() - started };
  }

  if (input.styles.length === 0) throw new Error('render needs at least one style image (or quality "fast" with a fast network)');
  // A given start image is already near the answer: the coarse scales would only blur it.
  const plan = input.start ? [{ size: o.size, iterations: o.iterations ?? planTotal(planScales(o.size, o.quality)) }] : planScales(o.size, o.quality, o.iterations);
  const total = planTotal(plan);
  const cache = deps.gramCache ?? new GramCache();
  const { backend } = deps;

  // What the loss sees: the photo and paintings, or their luminance when colours are preserved.
  const lossPhoto = o.preserveColors ? greyOf(photo) : photo;
  const styles = input.styles.map((s) => {
    const img = o.preserveColors ? toRgb(matchedGrey(toFloat(s.image), photo)) : s.image;
    return { image: img, key: imageKey(img), weight: s.weight };
  });
  const layers = { content: CONTENT_LAYER, style: [...STYLE_LAYERS] };
  const mix = lossMixFor(o.strength);

  const eta = new EtaModel();
  const dims = plan.map((p) => fitLongest(input.content.width, input.content.height, p.size));
  let x: FloatImage | undefined;
  let prevContent: FloatImage | undefined;
  let stepsBefore = 0;
  let initialLosses: LossParts | undefined;
  let finalLosses: LossParts | undefined;
  let iterations = 0;

  for (let k = 0; k < plan.length; k++) {
    checkAbort(signal);
    const { width: w, height: h } = dims[k];
    const stage = plan.length > 1 ? `scale ${k + 1}/${plan.length} (${w}×${h})` : `${w}×${h}`;
    const contentK = await resizeFloat(lossPhoto, w, h);
    const [contentTarget] = await backend.features(contentK.data, h, w, [layers.content], o.pooling);
    const styleSize = Math.max(32, Math.round(plan[k].size * o.styleScale));
    const perStyle = await Promise.all(
      styles.map((s) => {
        const sd = fitLongest(s.image.width, s.image.height, styleSize);
        return cache.get(backend, s.image, s.key, sd.width, sd.height, layers.style, o.pooling);
      }),
    );
    const styleTargets = blendGramTargets(perStyle, styles.map((s) => s.weight));

    const x0 = x && prevContent ? handOff(x, prevContent, contentK) : await initialImage(deps, input, contentK, w, h, signal);
    prevContent = contentK;
    const photoK = o.preserveColors ? await resizeFloat(photo, w, h) : undefined;
    const evaluator = await backend.createEvaluator({
      height: h, width: w, pooling: o.pooling, contentLayer: layers.content, styleLayers: layers.style,
      contentTarget, styleTargets, ...lossWeights(mix, { contentTarget, styleTargets }),
    });
    let last = performance.now();
    const remainingAfter = (step: number) => (plan[k].iterations - step) * w * h + plan.slice(k + 1).reduce((a, p, j) => a + p.iterations * dims[k + 1 + j].width * dims[k + 1 + j].height, 0);
    const onStep = (r: StepReport) => {
      const now = performance.now();
      eta.add(w * h, now - last);
      last = now;
      if (!onProgress) return;
      const preview = o.previewEvery > 0 && (stepsBefore + r.step) % o.previewEvery === 0 ? previewOf(r.x, w, h, photoK) : undefined;
      onProgress({ step: stepsBefore + r.step, total, stage, losses: r.parts, etaMs: eta.estimate(remainingAfter(r.step)), preview });
    };
    let result;
    try {
      const precondition = imagePreconditioner(w, h, PRECONDITIONER.growth);
      result = await optimise(evaluator, x0.data, { optimizer: o.optimizer, maxEvaluations: plan[k].iterations, signal, plateau: PLATEAU, onStep, lbfgs: { precondition } });
    } finally {
      evaluator.dispose();
    }
    initialLosses ??= result.initial.parts;
    finalLosses = result.final.parts;
    iterations += result.evaluations;
    stepsBefore += plan[k].iterations;
    x = { width: w, height: h, data: result.x };
  }

  const out = o.preserveColors ? withChromaOf(x!, await resizeFloat(photo, width, height)) : x!;
  return { image: toRgb(out), engine: backend.engine, backend: backend.backend, iterations, ms: performance.now() - started, initialLosses, finalLosses };
}

const planTotal = (plan: ScalePlan[]) => plan.reduce((a, p) => a + p.iterations, 0);

/**
 * The next scale's start: the photo at that scale plus the upsampled stylisation (x − photo) of the
 * scale before — the photo's fine detail stays sharp instead of being upsampled from a blur.
 */
function handOff(x: FloatImage, prevContent: FloatImage, content: FloatImage): FloatImage {
  const up = resizeBilinear(subtract(x, prevContent), content.width, content.height);
  for (let i = 0; i < up.data.length; i++) up.data[i] += content.data[i];
  return up;
}

function previewOf(x: Float32Array, width: number, height: number, photo?: FloatImage): RgbImage {
  const img = { width, height, data: x.slice() };
  return toRgb(photo ? withChromaOf(img, photo) : img);
}

async function initialImage(deps: RenderDeps, input: RenderInput, content: FloatImage, width: number, height: number, signal?: AbortSignal): Promise<FloatImage> {
  const o = input.options;
  if (input.start) {
    const start = await resizeFloat(toFloat(input.start), width, height);
    return o.preserveColors ? greyOf(start) : start;
  }
  if (o.init === 'noise') return noiseImage(width, height, o.seed);
  if (o.init === 'fast') {
    const fast = toFloat(await runFast(deps, input, width, height, signal));
    return o.preserveColors ? greyOf(fast) : fast;
  }
  return content;
}

async function runFast(deps: RenderDeps, input: RenderInput, width: number, height: number, signal?: AbortSignal): Promise<RgbImage> {
  if (!input.fastNetwork) throw new FastStyleUnavailable(`quality 'fast' and init 'fast' need a fast network (a preset that has one)`);
  if (!deps.fastStyle) throw new FastStyleUnavailable('no fast-style runner is available in this engine');
  const runner = await deps.fastStyle();
  const content = toRgb(await resizeFloat(toFloat(input.content), width, height));
  const out = await runner.run(input.fastNetwork, content, signal);
  checkAbort(signal);
  return out;
}

export type { ScalePlan };
