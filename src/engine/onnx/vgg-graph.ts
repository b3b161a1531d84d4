/**
 * VGG19 as ONNX graphs, derived from the one layer list (vgg19/layers.ts):
 *
 *   probe model:  x ─► forward ─► features (NHWC) and/or Gram matrices at the requested layers
 *   loss model:   x, content target, Gram targets, coefficients
 *                   ─► forward ─► loss terms ─► backward (hand-written adjoint) ─► dL/dx
 *                                 └─► per-row partial sums of squares (the caller sums in float64)
 *
 * The backward pass walks the same layer list in reverse: ReLU backward is a mask (Greater + Where),
 * conv backward is a forward Conv with the flipped, in/out-swapped kernel (built in-graph from the
 * forward kernel with Transpose + Slice, which ORT folds at session creation, so the model carries
 * each kernel once), pool backward is a nearest ×2 upsample (average: scaled by ¼; max: through the
 * mask of the window's maximum), with odd sizes restored exactly by padding. Gradients that meet are
 * summed. The loss is exactly loss-spec.ts.
 *
 * The graph works in NCHW (ONNX's convolution layout). The image comes in NHWC RGB 0–255; VGG's
 * RGB→BGR swap is folded into the first kernel's input channels and the mean is subtracted in-graph.
 */
import type { Pooling } from '../types.ts';
import { channelsOf, layersUpTo, VGG_MEAN_BGR, type VggLayer } from '../vgg19/layers.ts';
import type { ConvWeights } from '../vgg19/weights.ts';
import { GraphBuilder } from './graph-builder.ts';

/** [channels, height, width] of an activation (batch 1). */
type Chw = [number, number, number];

/** One layer of the forward pass as built: what the backward pass needs from it. */
interface ForwardStep {
  layer: VggLayer;
  input: string;
  inShape: Chw;
  /** Conv output before the ReLU (conv layers only). */
  pre?: string;
  /** The layer's output: ReLU output for convs, pooled output for pools. */
  out: string;
  outShape: Chw;
  /** Forward kernel, OIHW (conv layers only). */
  kernel?: string;
  /**
   * What the backward pass needs of this layer, taken in the forward pass as booleans (loss model
   * only): where the ReLU output is positive (convs), where the input is its window's maximum (max
   * pools). Taking them right after the layer lets ORT free the float activation as soon as the next
   * layer has read it, instead of keeping every activation alive until the backward pass — a quarter
   * of the bytes (bool vs float), which is most of the loss model's memory at large sizes.
   */
  mask?: string;
}

interface Forward {
  steps: ForwardStep[];
  /** Activation name (conv*, relu*, pool*) → tensor name and shape. */
  acts: Map<string, { tensor: string; shape: Chw }>;
}

/** VGG's spatial size after each 2×2 stride-2 pool: floor, as Keras' 'valid' pooling. */
export function pooledSize(n: number): number {
  return Math.floor(n / 2);
}

/** The shape [C, H', W'] of the activation `name` for an input of height × width, walking the layer list. */
export function activationShape(name: string, height: number, width: number): Chw {
  let h = height;
  let w = width;
  for (const layer of layersUpTo([name])) {
    if (layer.kind === 'pool') {
      h = pooledSize(h);
      w = pooledSize(w);
    }
  }
  return [channelsOf(name), h, w];
}

/**
 * The conv kernel in ONNX's OIHW layout, from the HWIO weights as stored: the transpose (and, for
 * conv1_1, the RGB ↔ BGR swap of its input channels) are graph ops on a constant, folded by ORT when
 * the session is created, so the model holds the weights once, as loaded.
 */
function convKernel(g: GraphBuilder, name: string, w: ConvWeights, reverseInputs: boolean): string {
  const oihw = g.transpose(g.floatTensor(`${name}_hwio`, w.kernel, w.kernelShape), [3, 2, 0, 1]);
  return reverseInputs ? g.reverse(oihw, [1]) : oihw;
}

/**
 * Builds the forward pass for the layers needed by `names`, from x (NHWC, RGB 0–255). Shapes are
 * tracked for the backward pass; a model with symbolic sizes (the probe) passes NaN and ignores them.
 */
function buildForward(g: GraphBuilder, x: string, height: number, width: number, pooling: Pooling, names: string[], weights: Map<string, ConvWeights>, withMasks = false): Forward {
  const zero = withMasks ? g.scalar(0, 'zero') : '';
  // Mean in RGB order, since the input stays RGB (the BGR swap lives in conv1_1's kernel).
  const meanRgb = g.floatTensor('mean_rgb', Float32Array.from([...VGG_MEAN_BGR].reverse()), [1, 3, 1, 1]);
  let cur = g.sub(g.transpose(x, [0, 3, 1, 2]), meanRgb);
  let shape: Chw = [3, height, width];
  const steps: ForwardStep[] = [];
  const acts = new Map<string, { tensor: string; shape: Chw }>();
  layersUpTo(names).forEach((layer, i) => {
    if (layer.kind === 'conv') {
      const w = weights.get(layer.keras);
      if (!w) throw new Error(`vgg19 weights lack ${layer.keras}`);
      const kernel = convKernel(g, layer.name, w, i === 0);
      const bias = g.floatTensor(`${layer.name}_b`, w.bias, [layer.outChannels]);
      const pre = g.node('Conv', [cur, kernel, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, g.fresh(layer.name));
      const out = g.node('Relu', [pre], {}, g.fresh(layer.relu));
      const outShape: Chw = [layer.outChannels, shape[1], shape[2]];
      // ReLU backward passes where the output is positive (Greater + Where: cheaper in ORT than Sign).
      const mask = withMasks ? g.node('Greater', [out, zero]) : undefined;
      steps.push({ layer, input: cur, inShape: shape, pre, out, outShape, kernel, mask });
      acts.set(layer.name, { tensor: pre, shape: outShape });
      acts.set(layer.relu, { tensor: out, shape: outShape });
      cur = out;
      shape = outShape;
    } else {
      const op = pooling === 'max' ? 'MaxPool' : 'AveragePool';
      const out = g.node(op, [cur], { kernel_shape: [2, 2], strides: [2, 2] }, g.fresh(layer.name));
      const outShape: Chw = [shape[0], pooledSize(shape[1]), pooledSize(shape[2])];
      if (!(outShape[1] >= 1 && outShape[2] >= 1) && !Number.isNaN(height)) throw new Error(`image ${height}×${width} is too small for VGG19 up to ${names.join(', ')}`);
      const step: ForwardStep = { layer, input: cur, inShape: shape, out, outShape };
      if (withMasks && pooling === 'max') step.mask = maxMask(g, step);
      steps.push(step);
      acts.set(layer.name, { tensor: out, shape: outShape });
      cur = out;
      shape = outShape;
    }
  });
  return { steps, acts };
}

/** Sum of the gradients that meet at one tensor (undefined when none flows there). */
function sumOf(g: GraphBuilder, terms: Array<string | undefined>): string | undefined {
  const present = terms.filter((t): t is string => t !== undefined);
  if (present.length <= 1) return present[0];
  return g.node('Sum', present);
}

/** Nearest-neighbour ×2 upsample of [1,C,h,w] to [1,C,2h,2w]. */
function upsample2x(g: GraphBuilder, t: string, [c, h, w]: Chw): string {
  const sizes = g.int64s([1, c, 2 * h, 2 * w], 'sizes');
  return g.node('Resize', [t, '', '', sizes], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
}

/**
 * Where a max pool's input (cropped to whole windows) equals its window's maximum: the gradient goes
 * there. Pool inputs are ReLU outputs, so ties happen at 0, and the ReLU mask below zeroes those anyway.
 */
function maxMask(g: GraphBuilder, step: Pick<ForwardStep, 'input' | 'inShape' | 'out' | 'outShape'>): string {
  const [, hIn, wIn] = step.inShape;
  const [, h, w] = step.outShape;
  const input = hIn !== 2 * h || wIn !== 2 * w ? g.slice(step.input, [0, 0], [2 * h, 2 * w], [2, 3]) : step.input;
  return g.node('Equal', [input, upsample2x(g, step.out, step.outShape)]);
}

/** Pool backward: dOut [1,C,h,w] → dIn [1,C,H,W]. The rows/columns a floor pool dropped get zero. */
function poolBackward(g: GraphBuilder, step: ForwardStep, dOut: string, pooling: Pooling, zero: string): string {
  const [, hIn, wIn] = step.inShape;
  const [, h, w] = step.outShape;
  const cropped = hIn !== 2 * h || wIn !== 2 * w;
  let dIn: string;
  if (pooling === 'avg') {
    dIn = upsample2x(g, g.mul(dOut, g.scalar(0.25, 'quarter')), step.outShape);
  } else {
    dIn = g.node('Where', [step.mask!, upsample2x(g, dOut, step.outShape), zero]);
  }
  return cropped ? g.pad(dIn, [0, 0, 0, 0, 0, 0, hIn - 2 * h, wIn - 2 * w]) : dIn;
}

/**
 * The adjoint of the forward pass: given gradients injected at activations (by name), returns
 * dL/d(x in NCHW). Walks the layer list in reverse; skips layers below the deepest injection.
 */
function buildBackward(g: GraphBuilder, fwd: Forward, injected: Map<string, string[]>, pooling: Pooling): string {
  const zero = g.scalar(0, 'zero');
  let flowing: string | undefined;
  for (let i = fwd.steps.length - 1; i >= 0; i--) {
    const step = fwd.steps[i];
    const { layer } = step;
    if (layer.kind === 'pool') {
      const d = sumOf(g, [flowing, ...(injected.get(layer.name) ?? [])]);
      flowing = d && poolBackward(g, step, d, pooling, zero);
      continue;
    }
    const dRelu = sumOf(g, [flowing, ...(injected.get(layer.relu) ?? [])]);
    const dMasked = dRelu && g.node('Where', [step.mask!, dRelu, zero]);
    const dPre = sumOf(g, [dMasked, ...(injected.get(layer.name) ?? [])]);
    if (!dPre) {
      flowing = undefined;
      continue;
    }
    // Conv backward w.r.t. its input: correlate with the kernel flipped in space, in/out swapped.
    // Built from the forward kernel so the model holds it once; ORT constant-folds this at load.
    const flipped = g.reverse(g.transpose(step.kernel!, [1, 0, 2, 3]), [2, 3]);
    flowing = g.node('Conv', [dPre, flipped], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, g.fresh(`d_${layer.name}`));
  }
  if (!flowing) throw new Error('VGG backward: no loss term reaches the image');
  return flowing;
}

/** F [1,C,h,w] → (F as C×M, G = F Fᵀ / M). */
function gram(g: GraphBuilder, act: { tensor: string; shape: Chw }): { f2: string; gram: string } {
  const [c, h, w] = act.shape;
  const m = h * w;
  const f2 = g.reshape(act.tensor, [c, m]);
  const gram = g.mul(g.node('MatMul', [f2, g.transpose(f2, [1, 0])]), g.scalar(1 / m, 'inv_m'));
  return { f2, gram };
}

// ── Probe model: features and Gram matrices ─────────────────────────────────────────────────────

export interface ProbeModelSpec {
  pooling: Pooling;
  /** Layers whose activations are output, as `feature_<i>` NHWC [1,h,w,C]. */
  features: string[];
  /** Layers whose Gram matrices are output, unnormalised (F Fᵀ, the caller divides by M), as `gram_<i>` [C,C]. */
  grams: string[];
}

/**
 * Forward-only model with symbolic height and width: one session serves every image size (the
 * content photo and style images come at many sizes, each used once per render scale).
 */
export function buildProbeModel(spec: ProbeModelSpec, weights: Map<string, ConvWeights>): Uint8Array {
  const g = new GraphBuilder('vgg19_probe');
  const x = g.input('x', [1, 'height', 'width', 3]);
  const fwd = buildForward(g, x, NaN, NaN, spec.pooling, [...spec.features, ...spec.grams], weights);
  spec.features.forEach((name, i) => {
    const act = fwd.acts.get(name)!;
    g.output(g.transpose(act.tensor, [0, 2, 3, 1]), `feature_${i}`, [1, `h${i}`, `w${i}`, act.shape[0]]);
  });
  spec.grams.forEach((name, i) => {
    const act = fwd.acts.get(name)!;
    const c = act.shape[0];
    const f2 = g.reshape(act.tensor, [c, -1]);
    g.output(g.node('MatMul', [f2, g.transpose(f2, [1, 0])]), `gram_${i}`, [c, c]);
  });
  return g.encode();
}

// ── Loss model: loss terms and dL/dx ────────────────────────────────────────────────────────────

export interface LossModelSpec {
  height: number;
  width: number;
  pooling: Pooling;
  contentLayer: string;
  styleLayers: string[];
}

/**
 * Names of the loss model's inputs and outputs.
 * Inputs: x [1,H,W,3] (NHWC RGB 0–255); content_target [1,C,h,w] (NCHW); style_target_<i> [C,C];
 * coefficients (each [1]) content_coef, style_coef_<i>, tv_coef — the factors of each term's
 * gradient, fed at run time so one session serves any weights.
 * Outputs: grad [1,H,W,3]; content_sq [C] (Σ over positions of (F−P)² per channel);
 * style_sq_<i> [C] (Σ over columns of (G−A)² per row); tv_sq_v [H−1], tv_sq_h [H].
 */
export const LOSS_IO = {
  x: 'x',
  contentTarget: 'content_target',
  contentCoef: 'content_coef',
  styleTarget: (i: number) => `style_target_${i}`,
  styleCoef: (i: number) => `style_coef_${i}`,
  tvCoef: 'tv_coef',
  grad: 'grad',
  contentSq: 'content_sq',
  styleSq: (i: number) => `style_sq_${i}`,
  tvSqV: 'tv_sq_v',
  tvSqH: 'tv_sq_h',
} as const;

export function buildLossModel(spec: LossModelSpec, weights: Map<string, ConvWeights>): { model: Uint8Array; nodes: number } {
  const { height: H, width: W } = spec;
  if (H < 2 || W < 2) throw new Error(`image ${H}×${W} is too small`);
  const g = new GraphBuilder('vgg19_gatys_loss_and_gradient');
  const x = g.input(LOSS_IO.x, [1, H, W, 3]);
  const fwd = buildForward(g, x, H, W, spec.pooling, [spec.contentLayer, ...spec.styleLayers], weights, true);
  const injected = new Map<string, string[]>();
  const inject = (name: string, d: string) => injected.set(name, [...(injected.get(name) ?? []), d]);

  // Content: L_c = mean (F − P)²;  dL/dF = contentWeight · 2 (F − P) / (M C) = content_coef · (F − P).
  const content = fwd.acts.get(spec.contentLayer)!;
  const target = g.input(LOSS_IO.contentTarget, [1, ...content.shape]);
  const residual = g.sub(content.tensor, target);
  g.output(g.sumSquares(residual, [0, 2, 3]), LOSS_IO.contentSq, [content.shape[0]]);
  inject(spec.contentLayer, g.mul(residual, g.input(LOSS_IO.contentCoef, [1])));

  // Style: L_s = Σ_l w_l mean (G_l − A_l)²;  dL/dF_l = styleWeight · w_l · 4/(C² M) · (G − A) F, as C×M.
  spec.styleLayers.forEach((name, i) => {
    const act = fwd.acts.get(name)!;
    const [c, h, w] = act.shape;
    const { f2, gram: gm } = gram(g, act);
    const diff = g.sub(gm, g.input(LOSS_IO.styleTarget(i), [c, c]));
    g.output(g.sumSquares(diff, [1]), LOSS_IO.styleSq(i), [c]);
    const dF = g.node('MatMul', [g.mul(diff, g.input(LOSS_IO.styleCoef(i), [1])), f2]);
    inject(name, g.reshape(dF, [1, c, h, w]));
  });

  const dxNchw = buildBackward(g, fwd, injected, spec.pooling);
  const dxVgg = g.transpose(dxNchw, [0, 2, 3, 1]);

  // Total variation on x (NHWC): v = x[i+1,j] − x[i,j], h = x[i,j+1] − x[i,j];
  // dL/dx = tv_coef · (v[i−1,j] − v[i,j] + h[i,j−1] − h[i,j]), with zeros past the edges.
  const dv = g.sub(g.slice(x, [1], [H], [1]), g.slice(x, [0], [H - 1], [1]));
  const dh = g.sub(g.slice(x, [1], [W], [2]), g.slice(x, [0], [W - 1], [2]));
  g.output(g.sumSquares(dv, [0, 2, 3]), LOSS_IO.tvSqV, [H - 1]);
  g.output(g.sumSquares(dh, [0, 2, 3]), LOSS_IO.tvSqH, [H]);
  const tvCoef = g.input(LOSS_IO.tvCoef, [1]);
  const sv = g.mul(dv, tvCoef);
  const sh = g.mul(dh, tvCoef);
  const dxTv = g.node('Sum', [
    g.pad(sv, [0, 1, 0, 0, 0, 0, 0, 0]),
    g.node('Neg', [g.pad(sv, [0, 0, 0, 0, 0, 1, 0, 0])]),
    g.pad(sh, [0, 0, 1, 0, 0, 0, 0, 0]),
    g.node('Neg', [g.pad(sh, [0, 0, 0, 0, 0, 0, 1, 0])]),
  ]);
  g.output(g.add(dxVgg, dxTv), LOSS_IO.grad, [1, H, W, 3]);
  return { model: g.encode(), nodes: g.nodeCount };
}
