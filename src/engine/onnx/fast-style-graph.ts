/**
 * The fast feed-forward style network (fast-style/architecture.ts, described once for every engine)
 * as an ONNX graph, with symbolic height and width: one session per network serves every size.
 *
 * Input x [1,H,W,3] RGB 0–255 with H, W multiples of 4 (the runner pads); output [1,H,W,3] in
 * 0–255 (float; the runner rounds and crops). "Same" padding follows TensorFlow's rule, which
 * puts the odd pixel of a stride-2 window at the end: pads [0,0,1,1] for the 3×3/2 convs, and the
 * matching crop at the end for the ×2 transposed convs (their output is exactly 2H × 2W).
 */
import { INSTANCE_NORM_EPSILON, OUTPUT_OFFSET, OUTPUT_SCALE, TRANSFORM_NET, type ConvLayer } from '../fast-style/architecture.ts';
import type { FastStyleWeights } from '../fast-style/weights.ts';
import { GraphBuilder } from './graph-builder.ts';

/** TensorFlow "SAME" padding for stride 1 (symmetric) and stride 2 on even sizes (the extra pixel at the end). */
function samePads(kernel: number, stride: number): number[] {
  if (stride === 1) {
    const p = (kernel - 1) / 2;
    return [p, p, p, p];
  }
  const total = kernel - stride;
  const begin = Math.floor(total / 2);
  return [begin, begin, total - begin, total - begin];
}

function convLayer(g: GraphBuilder, x: string, layer: ConvLayer, weights: FastStyleWeights): string {
  const w = weights.get(layer.weight);
  const shift = weights.get(layer.shift);
  const scale = weights.get(layer.scale);
  if (!w || !shift || !scale) throw new Error(`fast-style weights lack ${layer.weight}/${layer.shift}/${layer.scale}`);
  // conv: HWIO [k,k,in,out] → OIHW; transposed conv: TF's [k,k,out,in] → ONNX's [in,out,k,k]. Both
  // are the same permutation, done in-graph on a constant (folded when the session is created).
  const kernel = g.transpose(g.floatTensor(layer.weight, w.data, w.shape), [3, 2, 0, 1]);
  const k = layer.kernel;
  const pads = samePads(k, layer.stride);
  const y =
    layer.kind === 'conv'
      ? g.node('Conv', [x, kernel], { kernel_shape: [k, k], strides: [layer.stride, layer.stride], pads })
      : g.node('ConvTranspose', [x, kernel], { kernel_shape: [k, k], strides: [layer.stride, layer.stride], pads, output_padding: [0, 0] });
  const normed = g.node('InstanceNormalization', [y, g.floatTensor(`${layer.scale}_scale`, scale.data, scale.shape), g.floatTensor(`${layer.shift}_shift`, shift.data, shift.shape)], {
    epsilon: { float: INSTANCE_NORM_EPSILON },
  });
  return layer.relu ? g.node('Relu', [normed]) : normed;
}

export function buildFastStyleModel(network: string, weights: FastStyleWeights): Uint8Array {
  const g = new GraphBuilder(`fast_style_${network}`);
  const x = g.input('x', [1, 'height', 'width', 3]);
  let cur = g.transpose(x, [0, 3, 1, 2]);
  for (const layer of TRANSFORM_NET) {
    if (layer.kind === 'residual') cur = g.add(cur, convLayer(g, convLayer(g, cur, layer.first, weights), layer.second, weights));
    else cur = convLayer(g, cur, layer, weights);
  }
  const scaled = g.add(g.mul(g.node('Tanh', [cur]), g.scalar(OUTPUT_SCALE)), g.scalar(OUTPUT_OFFSET));
  const clipped = g.node('Clip', [scaled, g.scalar(0), g.scalar(255)]);
  g.output(g.transpose(clipped, [0, 2, 3, 1]), 'y', [1, 'height', 'width', 3]);
  return g.encode();
}
