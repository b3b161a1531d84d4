/**
 * The ONNX Runtime entry in createEngine's list of engines (engine/index.ts). Loading is lazy:
 * nothing here imports onnxruntime-node until an engine is created, and when it cannot load
 * (OnnxUnavailableError) createEngine moves on to TensorFlow.js.
 */
import type { EngineFactory } from '../index.ts';
import type { Ort } from './runtime.ts';

export interface OnnxFactoryOptions {
  /** Execution providers to try, in order (default: runtime.ts DEFAULT_PROVIDERS). */
  providers?: readonly string[];
  /** How to load onnxruntime-node; tests pass one that fails to check the fallback. */
  loadRuntime?: () => Promise<Ort>;
}

export function onnxEngineFactory(opts: OnnxFactoryOptions = {}): EngineFactory {
  return {
    name: 'onnx',
    createLossBackend: async (o) =>
      (await import('./loss-backend.ts')).createOnnxLossBackend({ weightsDir: o.weightsDir, log: o.log, providers: opts.providers ?? o.onnxProviders, loadRuntime: opts.loadRuntime }),
    createFastStyle: async (o) =>
      (await import('./fast-style.ts')).createOnnxFastStyle({ weightsDir: o.weightsDir, log: o.log, providers: opts.providers ?? o.onnxProviders, loadRuntime: opts.loadRuntime }),
  };
}
