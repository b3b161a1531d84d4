/**
 * The loss terms of loss-spec.ts as TensorFlow.js ops (differentiable by autodiff). Pure functions
 * of tensors; the formulas are documented once, in loss-spec.ts.
 */
import { tf } from './backend.ts';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Tensor2D = import('@tensorflow/tfjs-core').Tensor2D;
type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;
type Scalar = import('@tensorflow/tfjs-core').Scalar;

/** G = Fᵀ F / M for an activation of shape [1, H, W, C] (M = H·W): a C×C matrix. */
export function gram(features: Tensor4D): Tensor2D {
  const [, h, w, c] = features.shape;
  const m = h * w;
  const f = tf.reshape(features, [m, c]) as Tensor2D;
  return tf.div(tf.matMul(f, f, true, false), m) as Tensor2D;
}

/** mean((F − P)²) over every element. */
export function contentLoss(features: Tensor, target: Tensor): Scalar {
  return tf.mean(tf.squaredDifference(features, target)) as Scalar;
}

/** Σ_l w_l · mean((G_l − A_l)²). */
export function styleLoss(features: Tensor4D[], targets: Tensor2D[], layerWeights: number[]): Scalar {
  const terms = features.map((f, l) => tf.mul(tf.mean(tf.squaredDifference(gram(f), targets[l])), layerWeights[l]));
  return tf.addN(terms) as Scalar;
}

/** (Σ vertical² + Σ horizontal² finite differences) / (H·W·3), on the RGB 0–255 image [1, H, W, 3]. */
export function tvLoss(image: Tensor4D): Scalar {
  const [, h, w, c] = image.shape;
  const terms: Tensor[] = [];
  if (h > 1) terms.push(tf.sum(tf.squaredDifference(tf.slice(image, [0, 1, 0, 0], [1, h - 1, w, c]), tf.slice(image, [0, 0, 0, 0], [1, h - 1, w, c]))));
  if (w > 1) terms.push(tf.sum(tf.squaredDifference(tf.slice(image, [0, 0, 1, 0], [1, h, w - 1, c]), tf.slice(image, [0, 0, 0, 0], [1, h, w - 1, c]))));
  if (terms.length === 0) return tf.scalar(0);
  return tf.div(tf.addN(terms), h * w * c) as Scalar;
}
