/**
 * VGG19's forward pass on TensorFlow.js, derived from the one layer list (vgg19/layers.ts) and the
 * weights loader (vgg19/weights.ts). Weights become tensors once per process and weights folder.
 */
import path from 'node:path';
import { tf } from './backend.ts';
// Gradients of the stock ops (pooling, matMul, …) for tf.grad. tfjs-core's Node bundle does not
// register them and its dist/register_all_gradients is not loadable from Node ESM; tfjs-layers'
// Node bundle registers them all into tfjs-core's global gradient registry on import.
import '@tensorflow/tfjs-layers';
import { VGG19_LAYERS, VGG_MEAN_BGR, layersUpTo } from '../vgg19/layers.ts';
import { loadVggWeights } from '../vgg19/weights.ts';
import { flippedTransposedKernel, makeConvRelu, type ConvLayerTensors } from './conv-grad.ts';
import type { Pooling } from '../types.ts';
import { cachedPromise } from '../../util/cached-promise.ts';

type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;

export interface VggNet {
  /** Per conv layer name (conv1_1 …): its tensors and its conv+ReLU op with the fast input gradient. */
  convs: Map<string, ConvLayerTensors & { convRelu: (x: Tensor4D) => Tensor4D }>;
  /** How many tensors the net holds (they live for the process). */
  tensorCount: number;
}

const nets = new Map<string, Promise<VggNet>>();

/** The VGG19 net for a weights folder (…/weights, holding vgg19/) or the vgg19 folder itself; built once per process. */
export function loadVggNet(weightsDir: string): Promise<VggNet> {
  const dir = resolveVggDir(weightsDir);
  return cachedPromise(nets, dir, () => buildNet(dir));
}

function resolveVggDir(weightsDir: string): string {
  const d = path.resolve(weightsDir);
  return path.basename(d) === 'vgg19' ? d : path.join(d, 'vgg19');
}

async function buildNet(dir: string): Promise<VggNet> {
  const weights = await loadVggWeights(dir);
  const convs: VggNet['convs'] = new Map();
  for (const layer of VGG19_LAYERS) {
    if (layer.kind !== 'conv') continue;
    const w = weights.get(layer.keras);
    if (!w) throw new Error(`vgg19 weights in ${dir} lack ${layer.keras}`);
    const kernel = tf.tensor4d(w.kernel, w.kernelShape);
    const tensors: ConvLayerTensors = { kernel, bias: tf.tensor1d(w.bias), kernelForInputGrad: flippedTransposedKernel(kernel) };
    convs.set(layer.name, { ...tensors, convRelu: makeConvRelu(tensors) });
  }
  return { convs, tensorCount: convs.size * 3 };
}

/** RGB 0–255 → VGG's input: BGR minus the ImageNet means (Keras "caffe" preprocessing). Linear. */
export function preprocess(rgb: Tensor4D): Tensor4D {
  return tf.tidy(() => tf.sub(tf.reverse(rgb, 3), tf.tensor1d([...VGG_MEAN_BGR])));
}

function pool(x: Tensor4D, pooling: Pooling): Tensor4D {
  // Keras VGG19: 2×2 windows, stride 2, 'valid' (odd sizes are floored).
  return pooling === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid');
}

/**
 * Run only the prefix of VGG19 needed for `wanted` (relu*_* / pool* names: conv outputs are taken
 * after their ReLU, which is fused into the conv) on an RGB 0–255 image and return those
 * activations (NHWC). Call inside tf.tidy or a gradient function.
 */
export function vggForward(net: VggNet, rgb: Tensor4D, wanted: readonly string[], pooling: Pooling): Map<string, Tensor4D> {
  for (const w of wanted) {
    if (/^conv/.test(w)) throw new Error(`vgg19 layer '${w}': ask for the post-ReLU activation ('${w.replace('conv', 'relu')}')`);
  }
  const out = new Map<string, Tensor4D>();
  let x = preprocess(rgb);
  for (const layer of layersUpTo(wanted)) {
    if (layer.kind === 'conv') {
      const conv = net.convs.get(layer.name);
      if (!conv) throw new Error(`vgg19: no weights for ${layer.name}`);
      x = conv.convRelu(x);
    } else {
      x = pool(x, pooling);
    }
    const name = layer.kind === 'conv' ? layer.relu : layer.name;
    if (wanted.includes(name)) out.set(name, x);
  }
  return out;
}
