/**
 * The ONNX Runtime engine: the Gatys loss with its gradient written out as an ONNX graph, and the
 * fast feed-forward networks, both built in TypeScript from the shared layer lists.
 *   graph-builder.ts     — a small ONNX model builder on onnx-proto
 *   vgg-graph.ts         — VGG19 forward + hand-written backward (from vgg19/layers.ts); probe model
 *   loss-backend.ts      — the LossBackend: features, Grams, evaluators (one session per size)
 *   fast-style-graph.ts  — the transformer network (from fast-style/architecture.ts)
 *   fast-style.ts        — the FastStyleRunner
 *   runtime.ts           — loading onnxruntime-node, choosing the execution provider
 *   session-cache.ts     — sessions built once per key, reference-counted, idle ones evicted
 *   engine-factory.ts    — the entry in createEngine's list of engines
 */
export { createOnnxLossBackend, type OnnxLossBackendOptions } from './loss-backend.ts';
export { createOnnxFastStyle, type OnnxFastStyleOptions } from './fast-style.ts';
export { onnxEngineFactory, type OnnxFactoryOptions } from './engine-factory.ts';
export { chooseProvider, loadOrt, OnnxUnavailableError, DEFAULT_PROVIDERS, type Ort, type ProviderChoice } from './runtime.ts';
