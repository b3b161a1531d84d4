/**
 * The Johnson et al. 2016 transformer network ("TransformNet" of lengstrom/fast-style-transfer),
 * described once as data, so every engine builds the same network from it (tfjs here; ONNX Runtime
 * in a later issue). Facts from weights/fast-style/ARCHITECTURE.md.
 *
 *   conv 9×9/1 → 32   conv 3×3/2 → 64   conv 3×3/2 → 128          (each: instance norm, ReLU)
 *   5 × residual block (conv 3×3 → IN → ReLU → conv 3×3 → IN, + input)
 *   deconv 3×3/2 → 64   deconv 3×3/2 → 32                          (each: instance norm, ReLU)
 *   conv 9×9/1 → 3, instance norm, then clip(150·tanh(z) + 127.5, 0, 255)
 *
 * No biases: every conv is followed by instance norm, whose shift plays that role.
 */

/** Instance-norm epsilon (added to the biased variance): 1e-3, as in the training code. */
export const INSTANCE_NORM_EPSILON = 1e-3;
/** Output = clip(OUTPUT_SCALE · tanh(z) + OUTPUT_OFFSET, 0, 255). */
export const OUTPUT_SCALE = 150;
export const OUTPUT_OFFSET = 127.5;
/** Two stride-2 convs down, two ×2 deconvs up: H and W must be multiples of this for an exact-size output. */
export const SIZE_MULTIPLE = 4;

export interface ConvLayer {
  kind: 'conv' | 'deconv';
  /** Weight variable: conv HWIO [k, k, in, out]; deconv [k, k, out, in] (TF conv2d_transpose). */
  weight: string;
  /** Instance-norm shift (β) and scale (γ) variables. */
  shift: string;
  scale: string;
  kernel: number;
  stride: number;
  inChannels: number;
  outChannels: number;
  relu: boolean;
}

export type TransformLayer = ConvLayer | { kind: 'residual'; first: ConvLayer; second: ConvLayer };

const v = (i: number) => (i === 0 ? 'Variable' : `Variable_${i}`);

function conv(kind: 'conv' | 'deconv', id: number, kernel: number, stride: number, inChannels: number, outChannels: number, relu: boolean): ConvLayer {
  return { kind, weight: v(id), shift: v(id + 1), scale: v(id + 2), kernel, stride, inChannels, outChannels, relu };
}

function buildLayers(): TransformLayer[] {
  const layers: TransformLayer[] = [conv('conv', 0, 9, 1, 3, 32, true), conv('conv', 3, 3, 2, 32, 64, true), conv('conv', 6, 3, 2, 64, 128, true)];
  for (const base of [9, 15, 21, 27, 33]) {
    layers.push({ kind: 'residual', first: conv('conv', base, 3, 1, 128, 128, true), second: conv('conv', base + 3, 3, 1, 128, 128, false) });
  }
  layers.push(conv('deconv', 39, 3, 2, 128, 64, true), conv('deconv', 42, 3, 2, 64, 32, true), conv('conv', 45, 9, 1, 32, 3, false));
  return layers;
}

export const TRANSFORM_NET: readonly TransformLayer[] = buildLayers();

/** Every variable the network uses with its expected shape (48 of them), to validate a manifest. */
export function expectedShapes(): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const add = (l: ConvLayer) => {
    shapes.set(l.weight, l.kind === 'conv' ? [l.kernel, l.kernel, l.inChannels, l.outChannels] : [l.kernel, l.kernel, l.outChannels, l.inChannels]);
    shapes.set(l.shift, [l.outChannels]);
    shapes.set(l.scale, [l.outChannels]);
  };
  for (const l of TRANSFORM_NET) {
    if (l.kind === 'residual') {
      add(l.first);
      add(l.second);
    } else add(l);
  }
  return shapes;
}
