/**
 * Loads VGG19's conv weights from a TensorFlow.js layers-model folder (model.json + shards) without
 * tfjs, as plain Float32Arrays: both engines use this. The shards are uint8-quantized; each value is
 * `min + scale · q` (see the manifest's `quantization`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cachedPromise } from '../../util/cached-promise.ts';

export interface ConvWeights {
  /** HWIO: [3, 3, in, out], row-major */
  kernel: Float32Array;
  kernelShape: [number, number, number, number];
  bias: Float32Array;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number };
}

const cache = new Map<string, Promise<Map<string, ConvWeights>>>();

/** Keras layer name (block1_conv1 …) → weights. Cached per folder: loaded once per process. */
export function loadVggWeights(dir: string): Promise<Map<string, ConvWeights>> {
  const key = path.resolve(dir);
  return cachedPromise(cache, key, () => readVggWeights(key));
}

async function readVggWeights(dir: string): Promise<Map<string, ConvWeights>> {
  const modelJson = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const groups: Array<{ paths: string[]; weights: ManifestEntry[] }> = modelJson.weightsManifest;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of groups) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      const q = w.quantization;
      if (!q) {
        if (w.dtype !== 'float32') throw new Error(`vgg19 weight ${w.name}: unsupported dtype ${w.dtype}`);
        data.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * 4)));
        offset += n * 4;
      } else if (q.dtype === 'uint8') {
        const min = q.min ?? 0;
        const scale = q.scale ?? 1;
        for (let i = 0; i < n; i++) data[i] = min + scale * bytes[offset + i];
        offset += n;
      } else {
        throw new Error(`vgg19 weight ${w.name}: unsupported quantization ${q.dtype}`);
      }
      tensors.set(w.name, { shape: w.shape, data });
    }
    if (offset > bytes.length) throw new Error(`vgg19 shards are shorter than model.json says (${bytes.length} < ${offset} bytes)`);
  }
  const out = new Map<string, ConvWeights>();
  for (const [name, t] of tensors) {
    const m = /^(.*)\/kernel$/.exec(name);
    if (!m) continue;
    const bias = tensors.get(`${m[1]}/bias`);
    if (!bias) throw new Error(`vgg19 weights: ${m[1]} has a kernel but no bias`);
    out.set(m[1], { kernel: t.data, kernelShape: t.shape as ConvWeights['kernelShape'], bias: bias.data });
  }
  return out;
}
