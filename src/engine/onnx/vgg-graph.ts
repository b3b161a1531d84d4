/**
 * VGG19 as ONNX graphs, derived from the one layer list (vgg19/layers.ts):
 *
 *   probe model:  x ─► forward ─► features (NHWC) and/or Gram matrices at the requested layers
 *   loss model:   x, content target, Gram targets, coefficients
 *                   ─► forward ─► loss terms ─► backward (hand-written adjoint) ─► dL/dx
 *                                 └─► per-row partial sums of squares (the caller sums in float64)
 *
 * The backward pass walks the same layer list in reverse: ReLU backward is a mask (Greater, applied
 * as Cast + Mul), conv backward is a forward Conv with the flipped, in/out-swapped kernel (built
 * in-graph from the forward kernel with Transpose + Slice, which ORT folds at session creation, so
 * the model carries each kernel once), pool backward is a nearest ×2 upsample (average: scaled by ¼;
 * max: through the mask of the window's maximum), with odd sizes restored exactly by padding.
 * Gradients that meet are summed. The loss is exactly loss-spec.ts.
 *
 * Memory (the loss model at large sizes, where one 64-channel map is 179 MB at 1024×683): the
 * forward pass keeps booleans (masks) rather than activations, takes them right after each layer
 * (scheduleOutput: ORT's own order would take them on the way back), keeps only the activations that
 * a loss term reads (relu1_1's is computed again from x instead), and ORT frees every tensor after
 * its last use (the input's sizes are symbolic: see buildLossModel). Above STRIP_PIXELS, the first
 * block runs in strips of rows, forward and backward (firstBlockForwardInStrips, firstBlockBackwardInStrips).
 * One evaluation then holds about 0.55 KB per pixel at a time (1024×683), against 1.9 KB before.
 *
 * The graph works in NCHW (ONNX's convolution layout). The image comes in NHWC RGB 0–255; VGG's
 * RGB→BGR swap is folded into the first kernel's input channels and the mean is subtracted in-graph.
 */
import type { Pooling } from '../types.ts';
import { channelsOf, layersUpTo, VGG19_LAYERS, VGG_MEAN_BGR, type VggLayer } from '../vgg19/layers.ts';
import type { ConvWeights } from '../vgg19/weights.ts';
import { GraphBuilder } from './graph-builder.ts';

/** ONNX's element type code for float32 (Cast's `to`). */
const FLOAT = 1;

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
  /** Forward kernel, OIHW, and bias (conv layers only). */
  kernel?: string;
  bias?: string;
  /** The kernel for its backward pass (convBackward). */
  flipped?: string;
  /**
   * What the backward pass needs of this layer, taken in the forward pass as booleans (loss model
   * only), so that the float activation can be freed once the next layer has read it — a quarter of
   * the bytes: where the ReLU output is positive (convs), where the input is its window's maximum
   * (max pools). A ReLU followed by a max pool (and no loss term of its own) has no mask: the pool's
   * mask includes it (poolMask). Nor has a ReLU that a loss term reads: its output is there anyway
   * when the backward pass arrives, which takes the mask from it then.
   */
  mask?: string;
}

interface Forward {
  /** The network's input: x in NCHW, mean subtracted. */
  input: string;
  steps: ForwardStep[];
  /** Activation name (conv*, relu*, pool*) → tensor name and shape (not the first block's, in strips). */
  acts: Map<string, { tensor: string; shape: Chw }>;
  /** The first block in strips (see firstBlockForwardInStrips). */
  strips?: FirstBlockStrips;
}

interface FirstBlockStrips {
  bounds: number[];
  /** relu1_1's Gram matrix, unnormalised (Σ F Fᵀ over the strips). */
  gram: string;
  /** Tensors to compute in this order (see scheduleOutput): each strip's pooled rows, mask and Gram. */
  anchors: Array<{ tensor: string; rank: number }>;
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

/** Options of the loss model's forward pass: masks for the backward pass. */
interface MaskOptions {
  /** Activations (relu*, conv*, pool*) where a loss term injects a gradient. */
  injected: ReadonlySet<string>;
  /** Row bounds of the first block's strips, when it runs in strips (firstBlockForwardInStrips). */
  strips?: number[];
}

/**
 * Builds the forward pass for the layers needed by `names`, from x (NHWC, RGB 0–255). Shapes are
 * tracked for the backward pass; a model with symbolic sizes (the probe) passes NaN and ignores them.
 * With `masks` (the loss model), each layer also takes the mask its backward pass needs.
 */
function buildForward(g: GraphBuilder, x: string, height: number, width: number, pooling: Pooling, names: string[], weights: Map<string, ConvWeights>, masks?: MaskOptions): Forward {
  const zero = masks ? g.scalar(0, 'zero') : '';
  // Mean in RGB order, since the input stays RGB (the BGR swap lives in conv1_1's kernel).
  const meanRgb = g.floatTensor('mean_rgb', Float32Array.from([...VGG_MEAN_BGR].reverse()), [1, 3, 1, 1]);
  const input = g.sub(g.transpose(x, [0, 3, 1, 2]), meanRgb);
  let cur = input;
  let shape: Chw = [3, height, width];
  const steps: ForwardStep[] = [];
  const acts = new Map<string, { tensor: string; shape: Chw }>();
  const layers = layersUpTo(names);
  let strips: FirstBlockStrips | undefined;
  layers.forEach((layer, i) => {
    if (masks?.strips && i < 3) {
      if (i === 2) {
        strips = firstBlockForwardInStrips(g, input, height, width, layers, weights, masks.strips, steps);
        cur = steps[2].out;
        shape = steps[2].outShape;
        acts.set(layer.name, { tensor: cur, shape });
      }
      return;
    }
    if (layer.kind === 'conv') {
      const w = weights.get(layer.keras);
      if (!w) throw new Error(`vgg19 weights lack ${layer.keras}`);
      const kernel = convKernel(g, layer.name, w, i === 0);
      const bias = g.floatTensor(`${layer.name}_b`, w.bias, [layer.outChannels]);
      const pre = g.node('Conv', [cur, kernel, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, g.fresh(layer.name));
      const out = g.node('Relu', [pre], {}, g.fresh(layer.relu));
      const outShape: Chw = [layer.outChannels, shape[1], shape[2]];
      // ReLU backward passes where the output is positive. The mask is taken here, unless a loss term
      // reads this ReLU's output (the output is then kept, or recomputed, and the backward pass takes
      // the mask from it) or a max pool follows (the pool's mask includes it).
      const next = layers[i + 1];
      const kept = masks?.injected.has(layer.relu) ?? false;
      const maskedByPool = pooling === 'max' && next?.kind === 'pool' && !kept;
      const mask = masks && !kept && !maskedByPool ? g.node('Greater', [out, zero]) : undefined;
      steps.push({ layer, input: cur, inShape: shape, pre, out, outShape, kernel, bias, mask });
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
      const before = steps[steps.length - 1];
      if (masks && pooling === 'max') step.mask = poolMask(g, step, before.layer.kind === 'conv' && !before.mask && !masks.injected.has(before.layer.relu));
      steps.push(step);
      acts.set(layer.name, { tensor: out, shape: outShape });
      cur = out;
      shape = outShape;
    }
  });
  return { input, steps, acts, strips };
}

/**
 * The first block's forward pass (conv1_1, conv1_2, max pool1) in strips of rows: the pooled map,
 * the pool's mask (with relu1_2's) and relu1_1's Gram matrix, as in one piece, but holding a strip's
 * worth of each full-resolution map at a time. A strip of rows [a, b) needs relu1_1 on rows
 * [a−1, b+1), which needs x on rows [a−2, b+2): zeros beyond the image (the convolutions' padding,
 * here per strip). Pushes the block's three steps (their full-resolution maps do not exist).
 */
function firstBlockForwardInStrips(g: GraphBuilder, input: string, H: number, W: number, layers: VggLayer[], weights: Map<string, ConvWeights>, bounds: number[], steps: ForwardStep[]): FirstBlockStrips {
  const [l0, l1, l2] = layers;
  if (l0.kind !== 'conv' || l1.kind !== 'conv' || l2.kind !== 'pool') throw new Error('the first block is conv, conv, pool');
  const conv = (layer: typeof l0, reverse: boolean) => {
    const w = weights.get(layer.keras);
    if (!w) throw new Error(`vgg19 weights lack ${layer.keras}`);
    return { kernel: convKernel(g, layer.name, w, reverse), bias: g.floatTensor(`${layer.name}_b`, w.bias, [layer.outChannels]) };
  };
  const [c0, c1] = [conv(l0, true), conv(l1, false)];
  const C = l1.outChannels;
  const pooled: string[] = [];
  const masks: string[] = [];
  const grams: string[] = [];
  const anchors: FirstBlockStrips['anchors'] = [];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const [a, b] = [bounds[s], bounds[s + 1]];
    const [a1, b1] = [Math.max(0, a - 1), Math.min(H, b + 1)];
    const xs = rows(g, input, Math.max(0, a1 - 1), Math.min(H, b1 + 1));
    const relu1 = g.node('Relu', [g.node('Conv', [xs, c0.kernel, c0.bias], { kernel_shape: [3, 3], pads: [a1 === 0 ? 1 : 0, 1, b1 === H ? 1 : 0, 1] })]);
    const own = g.reshape(a1 === a && b1 === b ? relu1 : rows(g, relu1, a - a1, b - a1), [C, -1]);
    const gram = g.node('MatMul', [own, g.transpose(own, [1, 0])]);
    const relu2 = g.node('Relu', [g.node('Conv', [relu1, c1.kernel, c1.bias], { kernel_shape: [3, 3], pads: [a === 0 ? 1 : 0, 1, b === H ? 1 : 0, 1] })]);
    const p = g.node('MaxPool', [relu2], { kernel_shape: [2, 2], strides: [2, 2] });
    const mask = poolMask(g, { input: relu2, inShape: [C, b - a, W], out: p, outShape: [C, pooledSize(b - a), pooledSize(W)] }, true);
    pooled.push(p);
    masks.push(mask);
    grams.push(gram);
    anchors.push({ tensor: gram, rank: 2 }, { tensor: p, rank: 4 }, { tensor: mask, rank: 4 });
  }
  const cat = (parts: string[]) => (parts.length > 1 ? g.node('Concat', parts, { axis: 2 }) : parts[0]);
  const shape1: Chw = [C, H, W];
  const pooledShape: Chw = [C, pooledSize(H), pooledSize(W)];
  steps.push(
    { layer: l0, input, inShape: [3, H, W], out: '', outShape: shape1, kernel: c0.kernel, bias: c0.bias },
    { layer: l1, input: '', inShape: shape1, out: '', outShape: shape1, kernel: c1.kernel, bias: c1.bias },
    { layer: l2, input: '', inShape: shape1, out: cat(pooled), outShape: pooledShape, mask: cat(masks) },
  );
  return { bounds, gram: sumOf(g, grams)!, anchors };
}

/** Sum of the gradients that meet at one tensor (undefined when none flows there). */
function sumOf(g: GraphBuilder, terms: Array<string | undefined>): string | undefined {
  const present = terms.filter((t): t is string => t !== undefined);
  if (present.length <= 1) return present[0];
  return g.node('Sum', present);
}

/**
 * Nearest-neighbour ×2 upsample of [1,C,h,w] to [1,C,2h,2w]. By scales, not sizes: the loss model's
 * activations have no static shape for ORT (see buildLossModel), and neither does this.
 */
function upsample2x(g: GraphBuilder, t: string): string {
  const scales = g.floatTensor('scales', Float32Array.of(1, 1, 2, 2), [4]);
  return g.node('Resize', [t, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
}

/**
 * Where a max pool's input (cropped to whole windows) equals its window's maximum: the gradient goes
 * there. Pool inputs are ReLU outputs, so ties happen at 0, and the ReLU mask zeroes those anyway.
 * `withRelu` folds that ReLU mask in (the conv before has none of its own): a window whose maximum
 * is 0 is compared with −1 instead, which no ReLU output equals, so the mask is true exactly where
 * the input is positive and its window's maximum — the product of the two masks, in one.
 */
function poolMask(g: GraphBuilder, step: Pick<ForwardStep, 'input' | 'inShape' | 'out' | 'outShape'>, withRelu: boolean): string {
  const [, hIn, wIn] = step.inShape;
  const [, h, w] = step.outShape;
  // max − [max = 0]: −1 where the window's maximum is 0 (pooled ReLU outputs are never negative).
  const max = withRelu ? g.sub(step.out, g.node('Cast', [g.node('Equal', [step.out, g.scalar(0, 'zero')])], { to: FLOAT })) : step.out;
  // The upsampled maximum is built before the crop, so that ORT (which walks the newer input first)
  // crops the full-size input, and can free it, before it upsamples.
  const up = upsample2x(g, max);
  const input = hIn !== 2 * h || wIn !== 2 * w ? g.slice(step.input, [0, 0], [2 * h, 2 * w], [2, 3]) : step.input;
  return g.node('Equal', [input, up]);
}

/**
 * The mask as 0/1 floats, to multiply a gradient with: d × float(mask) is d where the mask is true,
 * else 0 (ORT's Where would take two full-size temporaries and one thread for the same result).
 */
function maskFloat(g: GraphBuilder, mask: string): string {
  return g.node('Cast', [mask], { to: FLOAT });
}

/** Pool backward: dOut [1,C,h,w] → dIn [1,C,H,W]. The rows/columns a floor pool dropped get zero. */
function poolBackward(g: GraphBuilder, step: ForwardStep, dOut: string, pooling: Pooling, maskF?: string): string {
  const [, hIn, wIn] = step.inShape;
  const [, h, w] = step.outShape;
  const cropped = hIn !== 2 * h || wIn !== 2 * w;
  let dIn: string;
  if (pooling === 'avg') {
    dIn = upsample2x(g, g.mul(dOut, g.scalar(0.25, 'quarter')));
  } else {
    dIn = g.mul(upsample2x(g, dOut), maskF!);
  }
  return cropped ? g.pad(dIn, [0, 0, 0, 0, 0, 0, hIn - 2 * h, wIn - 2 * w]) : dIn;
}

/**
 * Conv backward w.r.t. its input: correlate with the kernel flipped in space, in/out swapped.
 * `vertical` pads (top, bottom) for a strip of rows; by default the whole height (1, 1).
 */
function convBackward(g: GraphBuilder, step: ForwardStep, dPre: string, [top, bottom] = [1, 1]): string {
  // Built from the forward kernel so the model holds it once; ORT constant-folds this at load.
  step.flipped ??= g.reverse(g.transpose(step.kernel!, [1, 0, 2, 3]), [2, 3]);
  return g.node('Conv', [dPre, step.flipped], { kernel_shape: [3, 3], pads: [top, 1, bottom, 1] }, g.fresh(`d_${step.layer.name}`));
}

/** dL/d(conv output) of a conv step from the gradients at its ReLU output and at the conv output. */
function reluBackward(g: GraphBuilder, dRelu: string | undefined, maskF: string | undefined, dConv: string[]): string | undefined {
  // No mask: the max pool after this layer applied it (poolMask), and nothing else flows here.
  const dMasked = dRelu && maskF ? g.mul(dRelu, maskF) : dRelu;
  return sumOf(g, [dMasked, ...dConv]);
}

/** The gradient terms injected at one layer of the backward pass. */
interface Injected {
  /** At the layer's output (a conv's ReLU output, a pool's output). */
  terms: string[];
  /** At a conv's output before the ReLU. */
  preTerms: string[];
  /** The ReLU's mask (bool), when the forward pass took none (see ForwardStep.mask). */
  reluMask?: string;
}

/**
 * The adjoint of the forward pass, from the deepest injection down to step `lowest`: the gradient at
 * that step's input (dL/d(x in NCHW) for step 0). `injectedAt` gives the terms at each layer, given
 * the gradient flowing there from above (if any).
 */
function buildBackward(g: GraphBuilder, fwd: Forward, deepest: number, lowest: number, pooling: Pooling, injectedAt: (step: ForwardStep, flowing: string | undefined) => Injected): string | undefined {
  // The float casts of the forward pass's masks are added before the backward pass's own nodes: ORT
  // walks a node's newer input first, so each cast is then taken when the gradient it multiplies is
  // already there, rather than before the deeper layers' backward pass (holding four bytes per
  // element all that time). Likewise below, a cast is added before the sum it multiplies.
  const maskF = new Map(fwd.steps.slice(lowest, deepest + 1).filter((s) => s.mask).map((s) => [s, maskFloat(g, s.mask!)]));
  let flowing: string | undefined;
  for (let i = deepest; i >= lowest; i--) {
    const step = fwd.steps[i];
    const { terms, preTerms, reluMask } = injectedAt(step, flowing);
    const mask = maskF.get(step) ?? (reluMask && maskFloat(g, reluMask));
    if (step.layer.kind === 'pool') {
      const d = sumOf(g, [flowing, ...terms]);
      flowing = d && poolBackward(g, step, d, pooling, mask);
    } else {
      const dPre = reluBackward(g, sumOf(g, [flowing, ...terms]), mask, preTerms);
      flowing = dPre && convBackward(g, step, dPre);
    }
  }
  return flowing;
}

/**
 * `t` (of shape `dims`) as computed after `dep`: a Reshape to its own shape, with the shape taken
 * through an empty slice of dep's shape — no copy, but a data dependency, so ORT cannot compute t
 * (nor what t alone needs, such as a recomputed activation) before dep, whatever order it picks.
 */
function after(g: GraphBuilder, t: string, dims: number[], dep: string): string {
  const none = g.slice(g.node('Shape', [dep]), [0], [0], [0]);
  return g.node('Reshape', [t, g.node('Concat', [g.int64s(dims, 'shape'), none], { axis: 0 })]);
}

/** Rows [a, b) of an NCHW tensor. */
function rows(g: GraphBuilder, t: string, a: number, b: number): string {
  return g.slice(t, [a], [b], [2]);
}

/**
 * Pixels per strip of the first block (firstBlockForwardInStrips, firstBlockBackwardInStrips): larger
 * images are cut in strips. 4 strips at 1024×683: with ORT's memory arena, an evaluation's peak there
 * was 480 MB above the session's, against 598 in 2 strips and 1190 in one piece (the arena's
 * fragmentation follows the largest tensors), at the same speed.
 */
export const STRIP_PIXELS = 192_000;

/** How many strips the first block takes at height × width (1: not cut). */
export function stripsFor(height: number, width: number): number {
  return Math.max(1, Math.min(Math.floor(height / 8), Math.ceil((height * width) / STRIP_PIXELS)));
}

/** Row bounds of `count` strips of `height` rows, the inner ones even (a strip holds whole pooling windows). */
export function stripBounds(height: number, count: number): number[] {
  const bounds = [0];
  for (let s = 1; s < count; s++) bounds.push(2 * Math.round((s * height) / (2 * count)));
  bounds.push(height);
  if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1])) throw new Error(`cannot cut ${height} rows in ${count} strips`);
  return bounds;
}

/**
 * The first block's backward pass (max pool1 → conv1_2 → conv1_1, with relu1_1's style term and
 * mask from relu1_1 computed again) in horizontal strips: dL/d(x in NCHW), exactly as in one piece.
 * At full resolution every map of this block is 64 channels × H × W, and each step of the backward
 * pass holds three of them; in strips, each holds a strip's worth. A strip of output rows [a, b)
 * needs the gradient at relu1_1 on rows [a−1, b+1), which needs the pooled gradient's input on
 * rows [a−2, b+2), and zeros beyond the image (the convolutions' padding, here per strip).
 */
function firstBlockBackwardInStrips(g: GraphBuilder, fwd: Forward, dPooled: string, styleD: string, bounds: number[]): string {
  const [conv1, conv2, pool] = fwd.steps;
  const [c, H, W] = conv1.outShape;
  const [, h, w] = pool.outShape;
  const zero = g.scalar(0, 'zero');
  const parts: string[] = [];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const [a, b] = [bounds[s], bounds[s + 1]];
    const [a1, b1] = [Math.max(0, a - 1), Math.min(H, b + 1)];
    const [a2, b2] = [Math.max(0, a - 2), Math.min(H, b + 2)];
    // Pool backward on rows [a2, b2): whole windows up to row 2h, zeros below (and right of 2w).
    const [p0, p1] = [a2 / 2, Math.min(b2, 2 * h) / 2];
    const poolMaskF = maskFloat(g, rows(g, pool.mask!, a2, 2 * p1)); // before the gradient it multiplies (see buildBackward)
    const up = g.mul(upsample2x(g, rows(g, dPooled, p0, p1)), poolMaskF);
    const d2 = g.pad(up, [0, 0, 0, 0, 0, 0, b2 - 2 * p1, W - 2 * w]);
    // conv1_2 backward: rows [a1, b1).
    const dRelu = convBackward(g, conv2, d2, [a1 === 0 ? 1 : 0, b1 === H ? 1 : 0]);
    // relu1_1 on rows [a1, b1), from x rows [a1 − 1, b1 + 1), once this strip's gradient is there.
    const [x0, x1] = [Math.max(0, a1 - 1), Math.min(H, b1 + 1)];
    const xs = rows(g, after(g, fwd.input, [1, 3, H, W], dRelu), x0, x1);
    const relu = g.node('Relu', [g.node('Conv', [xs, conv1.kernel!, conv1.bias!], { kernel_shape: [3, 3], pads: [a1 === 0 ? 1 : 0, 1, b1 === H ? 1 : 0, 1] })]);
    const mask = g.node('Greater', [relu, zero]);
    const dF = g.node('Reshape', [g.node('MatMul', [styleD, g.reshape(relu, [c, -1])]), g.node('Shape', [mask])]);
    const maskF = maskFloat(g, mask); // before the sum it multiplies (see buildBackward)
    const dPre = g.mul(g.node('Sum', [dRelu, dF]), maskF);
    // conv1_1 backward: rows [a, b).
    parts.push(convBackward(g, conv1, dPre, [a === 0 ? 1 : 0, b === H ? 1 : 0]));
  }
  return parts.length > 1 ? g.node('Concat', parts, { axis: 2 }) : parts[0];
}

/** F [1,C,h,w] → (F as C×M, G = F Fᵀ / M). */
function gram(g: GraphBuilder, act: { tensor: string; shape: Chw }): { f2: string; gram: string } {
  const [c, h, w] = act.shape;
  const m = h * w;
  const f2 = g.reshape(act.tensor, [c, -1]); // M left to ORT (see buildLossModel's input)
  const gram = g.mul(g.node('MatMul', [f2, g.transpose(f2, [1, 0])]), g.scalar(1 / m, 'inv_m'));
  return { f2, gram };
}

/**
 * ONNX Runtime runs a graph in a depth-first post-order from its last leaf (the leaf added last is
 * walked first, and a node's inputs newest first): a tensor is computed when the first path that
 * needs it is walked. Left alone, the gradient's path walks the whole forward pass before any ReLU
 * mask or Gram matrix is taken (they sit on side branches, reached only on the way back), so every
 * float activation stays alive until the backward pass. This output, added last, reads one element
 * of each anchor, newest node first = first anchor, so ORT computes the anchors in the given order,
 * each as soon as its layer is there: a layer's mask and Gram matrix are taken before the next
 * layer runs, and the layer's float activation is freed once they and the next layer have read it.
 * The values are meaningless; the output need not be fetched.
 */
function scheduleOutput(g: GraphBuilder, anchors: Array<{ tensor: string; rank: number }>): void {
  const reads: string[] = [];
  for (let i = anchors.length - 1; i >= 0; i--) {
    const axes = [...Array(anchors[i].rank).keys()];
    const one = g.slice(anchors[i].tensor, axes.map(() => 0), axes.map(() => 1), axes);
    reads.push(g.reshape(g.node('Cast', [one], { to: FLOAT }), [1]));
  }
  g.output(g.node('Concat', reads.reverse(), { axis: 0 }), LOSS_IO.schedule, [anchors.length]);
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
  /** Strips of the first block (see firstBlockForwardInStrips); default stripsFor(height, width). */
  strips?: number;
}

/**
 * Names of the loss model's inputs and outputs.
 * Inputs: x [1,H,W,3] (NHWC RGB 0–255); content_target [1,h,w,C] (NHWC); style_target_<i> [C,C];
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
  schedule: 'schedule',
  /** The input's symbolic sizes (the model itself is built for one size). */
  height: 'height',
  width: 'width',
} as const;

export function buildLossModel(spec: LossModelSpec, weights: Map<string, ConvWeights>): { model: Uint8Array; nodes: number } {
  const { height: H, width: W } = spec;
  if (H < 2 || W < 2) throw new Error(`image ${H}×${W} is too small`);
  const g = new GraphBuilder('vgg19_gatys_loss_and_gradient');
  // The model is built for H×W (crops, pads), but its input is declared with symbolic sizes: ORT's
  // allocation planner then cannot prove two activations the same size, so it frees each one after
  // its last use instead of keeping a dead forward buffer for a same-sized tensor of the backward
  // pass (which holds most of the forward pass's memory until the backward pass: 1.9× the peak).
  const x = g.input(LOSS_IO.x, [1, LOSS_IO.height, LOSS_IO.width, 3]);
  const names = [spec.contentLayer, ...spec.styleLayers];
  // The first block (conv1_1, conv1_2, max pool1) in strips, forward and backward, when its only
  // loss term is relu1_1's style term (which the strips compute again in the backward pass) and
  // others lie beyond it.
  const block = VGG19_LAYERS.slice(0, 3);
  const blockNames = block.flatMap((l) => (l.kind === 'conv' ? [l.name, l.relu] : [l.name]));
  const count = spec.strips ?? stripsFor(H, W);
  const inStrips = count > 1 && spec.pooling === 'max' && layersUpTo(names).length > 3 && spec.contentLayer !== 'relu1_1' &&
    names.every((n) => n === 'relu1_1' || !blockNames.includes(n));
  const fwd = buildForward(g, x, H, W, spec.pooling, names, weights, { injected: new Set(names), strips: inStrips ? stripBounds(H, count) : undefined });
  const injected = new Map<string, string[]>();
  const inject = (name: string, d: string) => injected.set(name, [...(injected.get(name) ?? []), d]);
  /** Tensors to compute in this order, each as soon as it can be (see scheduleOutput). */
  const schedule = new Map<ForwardStep, Array<{ tensor: string; rank: number }>>(fwd.steps.map((s) => [s, []]));
  const stepOf = (name: string) => fwd.steps.find((s) => s.layer.name === name || (s.layer.kind === 'conv' && s.layer.relu === name))!;

  // Total variation on x (NHWC): v = x[i+1,j] − x[i,j], h = x[i,j+1] − x[i,j];
  // dL/dx = tv_coef · (v[i−1,j] − v[i,j] + h[i,j−1] − h[i,j]), with zeros past the edges.
  // Built before the VGG gradient, so ORT computes it after (at the end, not held through it).
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

  // A ReLU output that a loss term reads is there when the backward pass arrives (kept, or computed
  // again): the ReLU mask is taken from it then. Each term is reshaped to the mask's shape, which
  // makes ORT take the mask before the term (the output can then be freed as the term is made).
  const zero = g.scalar(0, 'zero');
  const reluMasks = new Map<string, string>();
  const reluMask = (name: string, out: string) => {
    if (!reluMasks.has(name)) reluMasks.set(name, g.node('Greater', [out, zero]));
    return reluMasks.get(name)!;
  };
  const isRelu = (name: string) => fwd.steps.some((s) => s.layer.kind === 'conv' && s.layer.relu === name);
  const shapedLike = (name: string, t: string, c: number, w: number) =>
    isRelu(name) ? g.node('Reshape', [t, g.node('Shape', [reluMask(name, fwd.acts.get(name)!.tensor)])]) : g.reshape(t, [1, c, -1, w]);

  // Content: L_c = mean (F − P)²;  dL/dF = contentWeight · 2 (F − P) / (M C) = content_coef · (F − P).
  const content = fwd.acts.get(spec.contentLayer)!;
  // The target comes as the LossSpec holds it (NHWC): transposed here, not copied once more in JS.
  const [cc, ch, cw] = content.shape;
  const target = g.transpose(g.input(LOSS_IO.contentTarget, [1, ch, cw, cc]), [0, 3, 1, 2]);
  const residual = g.sub(content.tensor, target);
  inject(spec.contentLayer, shapedLike(spec.contentLayer, g.mul(residual, g.input(LOSS_IO.contentCoef, [1])), content.shape[0], content.shape[2]));

  // Style: L_s = Σ_l w_l mean (G_l − A_l)²;  dL/dF_l = styleWeight · w_l · 4/(C² M) · (G − A) F, as C×M.
  // At the first layer (relu1_1), F is not kept for the backward pass: it is a full-resolution
  // 64-channel map, cheap to compute again from x (3 input channels), which is done when the
  // backward pass gets there.
  const first = fwd.steps[0];
  const firstRelu = first.layer.kind === 'conv' ? first.layer.relu : undefined;
  const recomputed: string[] = [];
  spec.styleLayers.forEach((name, i) => {
    if (name === firstRelu && fwd.strips) {
      const [c, h, w] = first.outShape;
      const diff = g.sub(g.mul(fwd.strips.gram, g.scalar(1 / (h * w), 'inv_m')), g.input(LOSS_IO.styleTarget(i), [c, c]));
      g.output(g.sumSquares(diff, [1]), LOSS_IO.styleSq(i), [c]);
      recomputed.push(g.mul(diff, g.input(LOSS_IO.styleCoef(i), [1])));
      return;
    }
    const act = fwd.acts.get(name)!;
    const [c, , w] = act.shape;
    const { f2, gram: gm } = gram(g, act);
    const diff = g.sub(gm, g.input(LOSS_IO.styleTarget(i), [c, c]));
    schedule.get(stepOf(name))!.push({ tensor: diff, rank: 2 });
    g.output(g.sumSquares(diff, [1]), LOSS_IO.styleSq(i), [c]);
    const scaled = g.mul(diff, g.input(LOSS_IO.styleCoef(i), [1]));
    if (name === firstRelu) recomputed.push(scaled);
    else inject(name, shapedLike(name, g.node('MatMul', [scaled, f2]), c, w));
  });

  const namesOf = (step: ForwardStep) => [step.layer.name, ...(step.layer.kind === 'conv' ? [step.layer.relu] : [])];
  let deepest = fwd.steps.length - 1;
  while (deepest > 0 && !namesOf(fwd.steps[deepest]).some((n) => injected.has(n))) deepest--;
  // The first block (conv1_1, conv1_2, max pool1) in strips, when only relu1_1's recomputed style
  // term enters there and something flows down from above.
  const flowing = buildBackward(g, fwd, deepest, fwd.strips ? 3 : 0, spec.pooling, (step, flowing) => {
    if (step.layer.kind === 'pool') return { terms: injected.get(step.layer.name) ?? [], preTerms: [] };
    const { relu } = step.layer;
    const preTerms = injected.get(step.layer.name) ?? [];
    if (relu === firstRelu && recomputed.length > 0) {
      // relu1_1 again, from x, once the gradient arriving here is there (see after).
      const [, H1, W1] = step.outShape;
      const input = flowing ? after(g, fwd.input, [1, 3, H1, W1], flowing) : fwd.input;
      const out = g.node('Relu', [g.node('Conv', [input, first.kernel!, first.bias!], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]);
      const mask = g.node('Greater', [out, zero]);
      const [c] = step.outShape;
      const dF = g.node('Reshape', [g.node('MatMul', [sumOf(g, recomputed)!, g.reshape(out, [c, -1])]), g.node('Shape', [mask])]);
      return { terms: [...(injected.get(relu) ?? []), dF], preTerms, reluMask: mask };
    }
    return { terms: injected.get(relu) ?? [], preTerms, reluMask: reluMasks.get(relu) };
  });
  const dx = fwd.strips ? firstBlockBackwardInStrips(g, fwd, flowing!, sumOf(g, recomputed)!, fwd.strips.bounds) : flowing;
  if (!dx) throw new Error('VGG backward: no loss term reaches the image');
  g.output(g.add(g.transpose(dx, [0, 2, 3, 1]), dxTv), LOSS_IO.grad, [1, H, W, 3]);
  // Added after the gradient, so that ORT walks it first: the residual's sum of squares is taken
  // before the backward pass, which then frees the residual once its term is in.
  g.output(g.sumSquares(residual, [0, 2, 3]), LOSS_IO.contentSq, [content.shape[0]]);

  // Masks right after their layer; before a max pool's mask, the pooled map it compares with.
  const anchors: Array<{ tensor: string; rank: number }> = [];
  if (fwd.strips) anchors.push(...fwd.strips.anchors);
  for (const step of fwd.strips ? fwd.steps.slice(3) : fwd.steps) {
    if (step.layer.kind === 'pool' && step.mask) anchors.push({ tensor: step.out, rank: 4 });
    if (step.mask) anchors.push({ tensor: step.mask, rank: 4 });
    anchors.push(...schedule.get(step)!);
  }
  scheduleOutput(g, anchors);
  return { model: g.encode(), nodes: g.nodeCount };
}
