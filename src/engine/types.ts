/**
 * The engine's contract. The engine knows no Redis and no chat: it takes pixels and options and
 * returns pixels, with a progress callback and an AbortSignal.
 *
 *   render(input, onProgress, signal) ──► optimise.ts (L-BFGS / Adam / multi-scale, Float32Array)
 *                                             │
 *                                             ▼
 *                                Evaluator: x ↦ { loss, grad }   ◄── the seam between engines
 *                                  tfjs/  autodiff (the reference)
 *                                  onnx/  the same loss, gradient written as an ONNX graph
 */
import type { RgbImage } from '../images/types.ts';

/** Quality tiers, fastest first: the one spelling of their names (a user's choice, the CLI's, the config's). */
export const QUALITIES = ['fast', 'draft', 'balanced', 'best'] as const;
export type Quality = (typeof QUALITIES)[number];
export type Pooling = 'max' | 'avg';
export type OptimizerName = 'lbfgs' | 'adam';
export type InitName = 'content' | 'noise' | 'fast';

/** VGG19 layer names used for losses, e.g. 'relu4_2'. See vgg19/layers.ts. */
export type LayerName = string;

/** What a user or operator may set for one render. Defaults live in params.ts (one list, with the paper's values). */
export interface RenderOptions {
  /** Output's longest side, px. */
  size: number;
  quality: Quality;
  /** Overrides the quality tier's iteration count. */
  iterations?: number;
  /** 0 = the photo, 1 = the painting; 0.75 (params.ts DEFAULT_STRENGTH) is the default, the paper's balance. */
  strength: number;
  /** Keep the photo's colours, take only the painting's luminance texture. */
  preserveColors: boolean;
  /** Scale of the style image relative to the output size (neural-style's -style_scale). */
  styleScale: number;
  pooling: Pooling;
  optimizer: OptimizerName;
  init: InitName;
  seed: number;
  /** Send a preview image with progress every k steps (0 = never). */
  previewEvery: number;
}

export interface StyleInput {
  image: RgbImage;
  /** Blend weight; weights are normalised to sum to 1. */
  weight: number;
}

export interface RenderInput {
  content: RgbImage;
  /** One or more style images (blended), may be empty when `fastNetwork` is given and quality is 'fast'. */
  styles: StyleInput[];
  /** Id of a fast feed-forward network (fast-style/<id>) for quality 'fast' or init 'fast'. */
  fastNetwork?: string;
  options: RenderOptions;
  /**
   * Start the optimisation from this image (any size; it is resized to the output) instead of
   * `options.init`, at the output size only: e.g. an animation frame starting from the previous
   * frame's result. `options.iterations` (else the tier's total) is then that one scale's budget.
   */
  start?: RgbImage;
}

export interface LossParts {
  content: number;
  style: number;
  tv: number;
  total: number;
}

export interface RenderProgress {
  step: number;
  total: number;
  /** e.g. '256×171' (the size being optimised), 'fast network' */
  stage: string;
  losses?: LossParts;
  /** Estimated ms left, from the time per step so far. */
  etaMs?: number;
  preview?: RgbImage;
}

export interface RenderResult {
  image: RgbImage;
  /** 'onnx' | 'tfjs' */
  engine: string;
  /** tfjs backend ('tensorflow', 'wasm', 'cpu') or ORT execution provider ('cpu', 'cuda', …). */
  backend: string;
  iterations: number;
  ms: number;
  initialLosses?: LossParts;
  finalLosses?: LossParts;
}

export type ProgressCallback = (p: RenderProgress) => void;

export interface Engine {
  readonly name: string;
  readonly backend: string;
  render(input: RenderInput, onProgress?: ProgressCallback, signal?: AbortSignal): Promise<RenderResult>;
  dispose(): Promise<void>;
}

/** Thrown when a render is cancelled through its AbortSignal. */
export class RenderCancelled extends Error {
  constructor() {
    super('render cancelled');
    this.name = 'RenderCancelled';
  }
}

// ── The seam between the optimiser and an engine ────────────────────────────────────────────────

/**
 * Everything an evaluator needs to compute the Gatys loss for images of one size.
 * Images are Float32Array, NHWC with N=1, RGB, values 0–255 (the evaluator applies VGG's
 * preprocessing — RGB→BGR, minus ImageNet means — itself; it is linear, so gradients are w.r.t. RGB).
 */
export interface LossSpec {
  height: number;
  width: number;
  pooling: Pooling;
  contentLayer: LayerName;
  styleLayers: LayerName[];
  /** Content features at contentLayer for the content image at this size, NHWC flattened (H'·W'·C). */
  contentTarget: Float32Array;
  /** Blended Gram target per style layer (C×C, row-major), see loss definitions in loss-spec.ts. */
  styleTargets: Float32Array[];
  /** Per-layer style weights (same order as styleLayers). */
  styleLayerWeights: number[];
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
}

export interface Evaluation {
  loss: number;
  /** dL/dx, same layout as x. May be a buffer the evaluator reuses: copy it if you keep it past the next call. */
  grad: Float32Array;
  parts: LossParts;
}

export interface Evaluator {
  evaluate(x: Float32Array): Promise<Evaluation>;
  dispose(): void;
}

/** One engine's implementation of the network: features, Gram targets and evaluators. */
export interface LossBackend {
  readonly engine: string;
  readonly backend: string;
  /** Features of an image (Float32 NHWC RGB 0–255) at the given layers. */
  features(image: Float32Array, height: number, width: number, layers: LayerName[], pooling: Pooling): Promise<Float32Array[]>;
  /** Gram matrices (normalised as in loss-spec.ts) of an image's features at the given layers. */
  grams(image: Float32Array, height: number, width: number, layers: LayerName[], pooling: Pooling): Promise<Float32Array[]>;
  createEvaluator(spec: LossSpec): Promise<Evaluator>;
  dispose(): void;
}
