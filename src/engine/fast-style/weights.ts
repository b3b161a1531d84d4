/**
 * Loads one fast-style network from weights/fast-style/<id>/ as plain Float32Arrays (no tfjs), so
 * any engine can use it: manifest.json maps each variable to a raw little-endian float32 file.
 * Shapes are checked against the architecture, so a wrong or truncated file fails loudly here.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expectedShapes } from './architecture.ts';
import { FAST_STYLE_NETWORKS } from './types.ts';

export interface FastStyleTensor {
  shape: number[];
  data: Float32Array;
}
export type FastStyleWeights = Map<string, FastStyleTensor>;

export class FastStyleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FastStyleError';
  }
}

export function isFastStyleNetwork(id: string): boolean {
  return (FAST_STYLE_NETWORKS as readonly string[]).includes(id);
}

/** Read and validate network `id` from `<weightsDir>/fast-style/<id>/`. */
export async function loadFastStyleWeights(weightsDir: string, id: string): Promise<FastStyleWeights> {
  // Only known ids: the id arrives from requests, and must never become a path of its choosing.
  if (!isFastStyleNetwork(id)) throw new FastStyleError(`unknown fast-style network '${id}' (known: ${FAST_STYLE_NETWORKS.join(', ')})`);
  const dir = path.join(weightsDir, 'fast-style', id);
  let manifest: Record<string, { filename: string; shape: number[] }>;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  } catch (err) {
    throw new FastStyleError(`cannot read ${path.join(dir, 'manifest.json')} (run \`easel assets\`): ${(err as Error).message}`);
  }
  const weights: FastStyleWeights = new Map();
  await Promise.all(
    [...expectedShapes()].map(async ([name, shape]) => {
      const entry = manifest[name];
      if (!entry) throw new FastStyleError(`${id}: manifest lacks ${name}`);
      if (entry.shape.join('x') !== shape.join('x')) throw new FastStyleError(`${id}: ${name} has shape [${entry.shape}], expected [${shape}]`);
      const bytes = await readFile(path.join(dir, path.basename(entry.filename)));
      const count = shape.reduce((a, b) => a * b, 1);
      if (bytes.length !== count * 4) throw new FastStyleError(`${id}: ${name} is ${bytes.length} bytes, expected ${count * 4}`);
      // Copy into an aligned buffer; the files are little-endian float32 like every platform Node runs on.
      const data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes);
      weights.set(name, { shape, data });
    }),
  );
  return weights;
}
