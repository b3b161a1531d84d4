/** The TensorFlow.js engine: the reference LossBackend (autodiff through VGG19). */
export { createTfjsLossBackend, type TfjsLossBackendOptions } from './loss-backend.ts';
export { initTfjs, type TfBackendName, type TfBackendPreference } from './backend.ts';
