/**
 * Fast feed-forward style networks (Johnson et al. 2016).
 *   architecture.ts — the layer list, described once for every engine
 *   weights.ts      — weights/fast-style/<id>/ → Float32Arrays, validated
 *   tfjs.ts         — the TensorFlow.js runner
 */
export { FAST_STYLE_NETWORKS, type FastStyleNetworkId, type FastStyleRunner } from './types.ts';
export { TRANSFORM_NET, INSTANCE_NORM_EPSILON, OUTPUT_SCALE, OUTPUT_OFFSET, SIZE_MULTIPLE, expectedShapes, type ConvLayer, type TransformLayer } from './architecture.ts';
export { loadFastStyleWeights, isFastStyleNetwork, FastStyleError, type FastStyleWeights, type FastStyleTensor } from './weights.ts';
export { createTfjsFastStyle, type TfjsFastStyleOptions } from './tfjs.ts';
