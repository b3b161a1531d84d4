/**
 * Animations on top of the render API: every frame painted, the clip kept steady.
 *
 *   quality 'fast'  → the fast network on each frame (it is deterministic, so it flickers little);
 *   other tiers     → frame 1 gets the tier's full multi-scale optimisation; each later frame starts
 *                     from the previous frame's result (moved by how the photo changed between the
 *                     two frames) and gets a fraction of the evaluations at the output size only.
 *                     Starting where the last frame ended keeps the brushwork in place: independent
 *                     frames each settle into a different local optimum, which shows as flicker.
 *
 * Limits (frames, pixels per frame, total evaluations) are parameters: the engine reads no config.
 */
import { fitLongest, resizeRgb } from '../images/resize.ts';
import type { RgbImage } from '../images/types.ts';
import { evaluationsFor } from './params.ts';
import { RenderCancelled, type Engine, type ProgressCallback, type RenderOptions, type StyleInput } from './types.ts';

export interface AnimationLimits {
  /** Most frames painted (the caller refuses or thins longer clips first). */
  maxFrames: number;
  /** Each painted frame has at most this many pixels (the output size shrinks to fit). */
  maxFramePixels: number;
  /** Loss+gradient evaluations over all frames; each frame gets at least one. */
  maxEvaluations: number;
}

export const DEFAULT_ANIMATION_LIMITS: AnimationLimits = { maxFrames: 48, maxFramePixels: 256 * 256, maxEvaluations: 1500 };

/** A later frame gets this share of the first frame's evaluations (it starts close to its answer). */
export const LATER_FRAME_SHARE = 1 / 4;

export interface AnimationInput {
  frames: RgbImage[];
  styles: StyleInput[];
  fastNetwork?: string;
  options: RenderOptions;
  /** Start each later frame from the previous result (default true); false paints every frame independently, as frame 1. */
  chain?: boolean;
}

export interface AnimationResult {
  frames: RgbImage[];
  engine: string;
  backend: string;
  /** Evaluations over all frames (0 for the fast network). */
  iterations: number;
  evaluationsPerFrame: number[];
  ms: number;
}

/**
 * The size frames are painted at: `size` on the longest side but never larger than the clip (an
 * enlarged GIF costs every frame's time for no detail), shrunk until a frame has at most `maxPixels`.
 */
export function animationFrameSize(width: number, height: number, size: number, maxPixels: number): { width: number; height: number } {
  let longest = Math.min(size, Math.max(width, height));
  let fitted = fitLongest(width, height, longest);
  if (fitted.width * fitted.height > maxPixels) {
    longest = Math.floor(longest * Math.sqrt(maxPixels / (fitted.width * fitted.height)));
    fitted = fitLongest(width, height, longest);
    while (fitted.width * fitted.height > maxPixels && longest > 1) fitted = fitLongest(width, height, --longest);
  }
  return fitted;
}

/**
 * Evaluations per frame within the budget: frame 1 gets the tier's plan (or `iterations`), later
 * frames LATER_FRAME_SHARE of it (all as frame 1 when not chained), both cut to fit `maxEvaluations`.
 * Pure; throws when the budget cannot give every frame one evaluation.
 */
export function planAnimationEvaluations(frames: number, firstFrame: number, maxEvaluations: number, chain: boolean): number[] {
  if (maxEvaluations < frames) throw new Error(`an evaluation budget of ${maxEvaluations} cannot paint ${frames} frames (one each at least)`);
  if (!chain) return Array(frames).fill(Math.max(1, Math.min(firstFrame, Math.floor(maxEvaluations / frames))));
  const later = frames - 1;
  const first = Math.max(1, Math.min(firstFrame, maxEvaluations - later));
  const each = later === 0 ? 0 : Math.max(1, Math.min(Math.ceil(firstFrame * LATER_FRAME_SHARE), Math.floor((maxEvaluations - first) / later)));
  return [first, ...Array(later).fill(each)];
}

/** Where a later frame starts: the previous result plus how the photo changed since the previous frame (clamped). Pure. */
export function carryForward(previousResult: RgbImage, previousFrame: RgbImage, frame: RgbImage): RgbImage {
  const data = new Uint8Array(previousResult.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, previousResult.data[i] + frame.data[i] - previousFrame.data[i]));
  return { width: previousResult.width, height: previousResult.height, data };
}

export async function renderAnimation(
  engine: Pick<Engine, 'render'>,
  input: AnimationInput,
  limits: AnimationLimits = DEFAULT_ANIMATION_LIMITS,
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
): Promise<AnimationResult> {
  const started = performance.now();
  const n = input.frames.length;
  if (n === 0) throw new Error('an animation needs at least one frame');
  if (n > limits.maxFrames) throw new Error(`${n} frames exceed the limit of ${limits.maxFrames} (thin or refuse the clip before rendering)`);
  const first = input.frames[0];
  const dims = animationFrameSize(first.width, first.height, input.options.size, limits.maxFramePixels);
  const options: RenderOptions = { ...input.options, size: Math.max(dims.width, dims.height), previewEvery: 0 };
  const fast = options.quality === 'fast';
  const chain = input.chain ?? true;
  const budget = fast ? Array(n).fill(0) : planAnimationEvaluations(n, evaluationsFor(options.quality as Exclude<RenderOptions['quality'], 'fast'>, options.iterations), limits.maxEvaluations, chain);
  const totalWork = fast ? n : budget.reduce((a, b) => a + b, 0);

  const out: RgbImage[] = [];
  const evaluations: number[] = [];
  let workDone = 0;
  let engineName = '';
  let backendName = '';
  let previousFrame: RgbImage | undefined;
  for (let i = 0; i < n; i++) {
    if (signal?.aborted) throw new RenderCancelled();
    // Frames are brought to the output size once here, so the carried-forward difference lines up pixel for pixel.
    const frame = await resizeRgb(input.frames[i], dims.width, dims.height);
    const start = !fast && chain && i > 0 ? carryForward(out[i - 1], previousFrame!, frame) : undefined;
    const frameOptions = fast ? options : { ...options, iterations: budget[i] };
    const stage = `frame ${i + 1}/${n}`;
    const eta = (done: number) => (done > 0 ? ((performance.now() - started) / done) * (totalWork - done) : undefined);
    const r = await engine.render(
      { content: frame, styles: input.styles, fastNetwork: input.fastNetwork, options: frameOptions, start },
      // Within a frame: frames done so far, and an ETA that moves with every evaluation.
      onProgress && !fast ? (p) => onProgress({ step: i, total: n, stage, losses: p.losses, etaMs: eta(workDone + p.step) }) : undefined,
      signal,
    );
    out.push(r.image);
    evaluations.push(r.iterations);
    workDone += fast ? 1 : budget[i];
    engineName = r.engine;
    backendName = r.backend;
    previousFrame = frame;
    onProgress?.({ step: i + 1, total: n, stage, etaMs: eta(workDone) });
  }
  return { frames: out, engine: engineName, backend: backendName, iterations: evaluations.reduce((a, b) => a + b, 0), evaluationsPerFrame: evaluations, ms: performance.now() - started };
}
