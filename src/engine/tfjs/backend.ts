/**
 * Picks the best TensorFlow.js backend present, once per process:
 *   tensorflow (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node; optional installs) > wasm > cpu.
 * EASEL_BACKEND overrides ('auto' = that order). The choice is returned so callers log and report it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';
export type TfBackendPreference = 'auto' | TfBackendName;

export { tf };

let chosen: Promise<{ backend: TfBackendName; detail: string }> | undefined;

async function tryNative(): Promise<string | null> {
  // Optional dependencies: present only where their install could download libtensorflow.
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      return pkg;
    } catch {
      /* not installed or libtensorflow missing: try the next */
    }
  }
  return null;
}

async function select(pref: TfBackendPreference): Promise<{ backend: TfBackendName; detail: string }> {
  const tried: string[] = [];
  if (pref === 'auto' || pref === 'tensorflow') {
    const pkg = await tryNative();
    if (pkg && (await tf.setBackend('tensorflow'))) return { backend: 'tensorflow', detail: pkg };
    tried.push('tensorflow (tfjs-node-gpu / tfjs-node not installed)');
    if (pref === 'tensorflow') throw new Error(`EASEL_BACKEND=tensorflow but ${tried[0]}`);
  }
  if (pref === 'auto' || pref === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) return { backend: 'wasm', detail: '@tensorflow/tfjs-backend-wasm (SIMD, threads off under Node)' };
    } catch (err) {
      tried.push(`wasm (${(err as Error).message})`);
      if (pref === 'wasm') throw err;
    }
  }
  await tf.setBackend('cpu');
  return { backend: 'cpu', detail: `@tensorflow/tfjs-backend-cpu${tried.length ? `; skipped: ${tried.join(', ')}` : ''}` };
}

/** Initialise TensorFlow.js once with the preferred backend; later calls return the first choice. */
export async function initTfjs(pref: TfBackendPreference = 'auto'): Promise<{ tf: typeof tf; backend: TfBackendName; detail: string }> {
  chosen ??= select(pref);
  const c = await chosen;
  await tf.ready();
  return { tf, ...c };
}
