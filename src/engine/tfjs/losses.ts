/**
 * The loss terms of loss-spec.ts as TensorFlow.js ops (differentiable by autodiff). Pure functions
 * of tensors; the formulas are documented once, in loss-spec.ts.
 */
import { tf } from './backend.ts';

type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Tensor2D = import('@tensorflow/tfjs-core').Tensor2D;
type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;
type Scalar = import('@tensorflow/tfjs-core').Scalar;

/**
 * G = Fᵀ F / M for an activation of shape [1, H, W, C] (M = H·W): a C×C matrix.
 * The transpose is explicit: the wasm backend's matMul with transposeA is ~20× slower than a
 * Transpose followed by a plain matMul at relu4_1/relu5_1 sizes.
 */
export function gram(features: Tensor4D): Tensor2D {
  const [, h, w, c] = features.shape;
  const m = h * w;
  const f = tf.reshape(features, [m, c]) as Tensor2D;
  return tf.div(tf.matMul(tf.transpose(f), f), m) as Tensor2D;
}

/**
 * mean((G − A)²) over the C×C entries for one layer, with its gradient written out
 * (loss-spec.ts): dL/dF = 4 / (C²·M) · F (G − A). One [M×C]·[C×C] product instead of the two
 * (transposed) products autodiff of the Gram would run. Assumes A symmetric, as every Gram (and
 * blend of Grams) is.
 */
export function styleLayerLoss(features: Tensor4D, target: Tensor2D): Scalar {
  const op = tf.customGrad(((f: Tensor4D, save: (ts: Tensor[]) => void) => {
    const [, h, w, c] = f.shape;
    const m = h * w;
    const flat = tf.reshape(f, [m, c]) as Tensor2D;
    const diff = tf.sub(tf.div(tf.matMul(tf.transpose(flat), flat), m), target);
    save([flat, diff]);
    return {
      value: tf.mean(tf.square(diff)),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [fl, d] = saved as [Tensor2D, Tensor2D];
        return tf.reshape(tf.mul(tf.matMul(fl, d), tf.mul(dy, 4 / (c * c * m))), f.shape);
      },
    };
  }) as any);
  return op(features) as Scalar;
}

/** mean((F − P)²) over every element. */
export function contentLoss(features: Tensor, target: Tensor): Scalar {
  return tf.mean(tf.squaredDifference(features, target)) as Scalar;
}

/** Σ_l w_l · mean((G_l − A_l)²). */
export function styleLoss(features: Tensor4D[], targets: Tensor2D[], layerWeights: number[]): Scalar {
  const terms = features.map((f, l) => tf.mul(styleLayerLoss(f, targets[l]), layerWeights[l]));
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
