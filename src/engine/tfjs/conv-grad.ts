/**
 * A conv+bias+ReLU layer whose gradient is computed the fast way.
 *
 * VGG's weights are constants, so only the input gradient dX is needed. For a 3×3, stride-1,
 * 'same'-padded convolution, dX is itself a forward convolution of dY with the kernel flipped
 * spatially and with its in/out channels swapped. The wasm backend's forward conv is far faster
 * than its Conv2DBackpropInput (and tfjs's stock gradient also computes the filter gradient we
 * throw away), so this is the single biggest speed-up of an evaluation (issue 7, "Speed").
 */
import { tf } from './backend.ts';

type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;
type Tensor1D = import('@tensorflow/tfjs-core').Tensor1D;

/** The kernel for the input gradient: W'[i, j, o, c] = W[kh−1−i, kw−1−j, c, o] (HWIO → HWOI, flipped). */
export function flippedTransposedKernel(kernel: Tensor4D): Tensor4D {
  return tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]));
}

export interface ConvLayerTensors {
  kernel: Tensor4D;
  bias: Tensor1D;
  /** flippedTransposedKernel(kernel), computed once. */
  kernelForInputGrad: Tensor4D;
}

/**
 * relu(conv2d(x, kernel, 'same') + bias), differentiable w.r.t. x only, with dX computed as a
 * forward conv (see above). The ReLU's gradient mask is taken from the saved output (y > 0).
 */
export function makeConvRelu(layer: ConvLayerTensors): (x: Tensor4D) => Tensor4D {
  const [kh, kw] = layer.kernel.shape;
  if (kh !== kw || kh % 2 !== 1) throw new Error(`makeConvRelu needs an odd square kernel, got ${kh}×${kw}`);
  const op = tf.customGrad(((x: Tensor4D, save: (ts: Tensor4D[]) => void) => {
    const y = tf.fused.conv2d({ x, filter: layer.kernel, strides: 1, pad: 'same', bias: layer.bias, activation: 'relu' });
    save([y]);
    return {
      value: y,
      gradFunc: (dy: Tensor4D, saved: Tensor4D[]) =>
        tf.conv2d(tf.mul(dy, tf.step(saved[0])) as Tensor4D, layer.kernelForInputGrad, 1, 'same'),
    };
  }) as any);
  return (x) => op(x) as Tensor4D;
}

/** The same layer with tfjs's stock ops and gradients: the reference the custom gradient is tested against. */
export function convReluStock(layer: Pick<ConvLayerTensors, 'kernel' | 'bias'>, x: Tensor4D): Tensor4D {
  return tf.relu(tf.add(tf.conv2d(x, layer.kernel, 1, 'same'), layer.bias)) as Tensor4D;
}
