/**
 * The render pipeline, engine-agnostic (it sees a LossBackend and, for quality 'fast', a
 * FastStyleRunner). One scale, the output's (params.ts TIERS says why not coarse-to-fine):
 *
 *     content → features at the content layer ─┐
 *     styles  → Gram targets (cached), blended ─┼─► LossSpec ─► evaluator ─► optimise() ─► image
 *     x₀ = the given start, the photo, noise or the preset's fast network
 *
 * Colour preservation runs the whole optimisation on luminance images and puts the photo's chroma
 * back at the end (and on previews).
 */
import { blendGramTargets, lossWeights } from './loss-spec.ts';
import { optimise, type StepReport } from './optimise.ts';
import { CONTENT_LAYER, DEFAULT_STRENGTH, PLATEAU, PRECONDITIONER, STYLE_LAYERS, evaluationsFor, lossMixFor } from './params.ts';
import { imagePreconditioner } from './optim/precondition.ts';
import { fitLongest } from '../images/resize.ts';
import { resizeFloat, toFloat, toRgb, type FloatImage } from './pixels.ts';
import { greyOf, matchedGrey, withChromaOf } from './colour.ts';
import { fastJitter, rerolledStart, shifted } from './reroll.ts';
import { noiseImage } from './init.ts';
import { GramCache, imageKey } from './style-targets.ts';
import { RenderCancelled, type LossBackend, type ProgressCallback, type RenderInput, type RenderResult } from './types.ts';
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

/** Milliseconds left, from the mean time per evaluation so far. */
class EtaModel {
  private steps = 0;
  private ms = 0;
  add(ms: number): void {
    this.steps++;
    this.ms += ms;
  }
  estimate(remainingSteps: number): number | undefined {
    return this.steps > 0 ? (this.ms / this.steps) * remainingSteps : undefined;
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
  const total = evaluationsFor(o.quality, o.iterations);
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

  const content = await resizeFloat(lossPhoto, width, height);
  const [contentTarget] = await backend.features(content.data, height, width, [layers.content], o.pooling);
  const styleSize = Math.max(32, Math.round(o.size * o.styleScale));
  const perStyle = await Promise.all(
    styles.map((s) => {
      const sd = fitLongest(s.image.width, s.image.height, styleSize);
      return cache.get(backend, s.image, s.key, sd.width, sd.height, layers.style, o.pooling);
    }),
  );
  const styleTargets = blendGramTargets(perStyle, styles.map((s) => s.weight));

  const x0 = await initialImage(deps, input, content, width, height, signal);
  checkAbort(signal);
  const photoAtSize = o.preserveColors ? await resizeFloat(photo, width, height) : undefined;
  const evaluator = await backend.createEvaluator({
    height, width, pooling: o.pooling, contentLayer: layers.content, styleLayers: layers.style,
    contentTarget, styleTargets, ...lossWeights(mix, { contentTarget, styleTargets }),
  });
  const stage = `${width}×${height}`;
  const eta = new EtaModel();
  let last = performance.now();
  const onStep = (r: StepReport) => {
    const now = performance.now();
    eta.add(now - last);
    last = now;
    if (!onProgress) return;
    const preview = o.previewEvery > 0 && r.step % o.previewEvery === 0 ? previewOf(r.x, width, height, photoAtSize) : undefined;
    onProgress({ step: r.step, total, stage, losses: r.parts, etaMs: eta.estimate(total - r.step), preview });
  };
  let result;
  try {
    const precondition = imagePreconditioner(width, height, PRECONDITIONER.growth);
    result = await optimise(evaluator, x0.data, { optimizer: o.optimizer, maxEvaluations: total, signal, plateau: PLATEAU, onStep, lbfgs: { precondition } });
  } finally {
    evaluator.dispose();
  }

  const x = { width, height, data: result.x };
  const out = photoAtSize ? withChromaOf(x, photoAtSize) : x;
  return {
    image: toRgb(out), engine: backend.engine, backend: backend.backend, iterations: result.evaluations,
    ms: performance.now() - started, initialLosses: result.initial.parts, finalLosses: result.final.parts,
  };
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
  // The seed's smooth noise moves the optimiser to another nearby minimum (reroll.ts): a reroll paints anew.
  if (o.init === 'fast') {
    const fast = toFloat(await runFast(deps, input, width, height, signal));
    return rerolledStart(o.preserveColors ? greyOf(fast) : fast, o.seed);
  }
  return rerolledStart(content, o.seed);
}

async function runFast(deps: RenderDeps, input: RenderInput, width: number, height: number, signal?: AbortSignal): Promise<RgbImage> {
  if (!input.fastNetwork) throw new FastStyleUnavailable(`quality 'fast' and init 'fast' need a fast network (a preset that has one)`);
  if (!deps.fastStyle) throw new FastStyleUnavailable('no fast-style runner is available in this engine');
  const runner = await deps.fastStyle();
  const photo = toFloat(input.content);
  const seed = input.options.seed;
  // Reroll (reroll.ts): the network sees the photo scaled, shifted and with smooth noise; its output
  // is moved back and resized to the photo's frame, so the picture stays aligned with the photo.
  const jitter = fastJitter(seed);
  const jw = Math.max(16, Math.round(width * jitter.scale));
  const jh = Math.max(16, Math.round(height * jitter.scale));
  const seen = rerolledStart(shifted(await resizeFloat(photo, jw, jh), jitter.dx, jitter.dy), seed);
  const out = toFloat(await runner.run(input.fastNetwork, toRgb(seen), signal));
  checkAbort(signal);
  const aligned = await resizeFloat(shifted(out, -jitter.dx, -jitter.dy), width, height);
  // Below the default strength the network's painting fades toward the photo (at 0: the photo).
  const fade = Math.min(1, input.options.strength / DEFAULT_STRENGTH);
  if (fade >= 1) return toRgb(aligned);
  const base = await resizeFloat(photo, width, height);
  const data = new Float32Array(aligned.data.length);
  for (let i = 0; i < data.length; i++) data[i] = base.data[i] + fade * (aligned.data[i] - base.data[i]);
  return toRgb({ width, height, data });
}

