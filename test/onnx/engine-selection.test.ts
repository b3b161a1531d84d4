/**
 * Engine selection: ONNX Runtime first when it loads, TensorFlow.js when it does not (a loader that
 * fails the way a missing native library does), EASEL_ENGINE-style overrides, the execution-provider
 * choice (no CUDA libraries here), and one real render through the chosen engine.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createEngine, ENGINE_FACTORIES } from '../../src/engine/index.ts';
import { resolveOptions } from '../../src/engine/params.ts';
import { onnxEngineFactory } from '../../src/engine/onnx/engine-factory.ts';
import { chooseProvider, loadOrt, OnnxUnavailableError } from '../../src/engine/onnx/runtime.ts';
import type { RgbImage } from '../../src/images/types.ts';
import { PAINTINGS, PHOTOS, WEIGHTS } from './helpers.ts';

/** What importing onnxruntime-node throws on a machine without its shared library. */
const missingRuntime = () => Promise.reject(new OnnxUnavailableError('onnxruntime-node could not be loaded: libonnxruntime.so.1: cannot open shared object file'));
const tfjsFactory = ENGINE_FACTORIES.find((f) => f.name === 'tfjs')!;

async function rgb(file: string, size: number): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().resize(size, size, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

describe('engine selection', () => {
  it('prefers ONNX Runtime (CPU provider here) and renders with it', async () => {
    expect(ENGINE_FACTORIES.map((f) => f.name)).toEqual(['onnx', 'tfjs']);
    const engine = await createEngine({ weightsDir: WEIGHTS });
    try {
      expect(engine.name).toBe('onnx');
      expect(engine.backend).toBe('cpu');
      const content = await rgb(path.join(PHOTOS, 'golden_gate.jpg'), 48);
      const style = await rgb(path.join(PAINTINGS, 'the_scream.jpg'), 48);
      const result = await engine.render({ content, styles: [{ image: style, weight: 1 }], options: resolveOptions({ iterations: 6 }, { size: 48, quality: 'draft' }) });
      expect(result.engine).toBe('onnx');
      expect(result.backend).toBe('cpu');
      expect(Math.max(result.image.width, result.image.height)).toBe(48);
      expect(result.image.data.length).toBe(result.image.width * result.image.height * 3);
      expect(result.finalLosses!.total).toBeLessThan(result.initialLosses!.total);
    } finally {
      await engine.dispose();
    }
  });

  it('falls back to TensorFlow.js when ONNX Runtime cannot load', async () => {
    const lines: Array<{ level: number; engine?: string; msg: string }> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const engine = await createEngine({ weightsDir: WEIGHTS, log, factories: [onnxEngineFactory({ loadRuntime: missingRuntime }), tfjsFactory] });
    try {
      expect(engine.name).toBe('tfjs');
      expect(lines.filter((l) => l.level === 40).map((l) => l.engine)).toEqual(['onnx']);
      expect(lines.find((l) => l.msg === 'style-transfer engine selected')?.engine).toBe('tfjs');
    } finally {
      await engine.dispose();
    }
  });

  it('fails with the reason when ONNX is required but cannot load', async () => {
    await expect(createEngine({ weightsDir: WEIGHTS, engine: 'onnx', factories: [onnxEngineFactory({ loadRuntime: missingRuntime }), tfjsFactory] })).rejects.toThrow(/onnx: .*libonnxruntime/);
  });

  it('honours an explicit tfjs choice even when ONNX loads', async () => {
    const engine = await createEngine({ weightsDir: WEIGHTS, engine: 'tfjs' });
    expect(engine.name).toBe('tfjs');
    await engine.dispose();
  });
});

/** True where onnxruntime-node was installed with its CUDA libraries (a GPU machine): then CUDA may win. */
const cudaInstalled = existsSync(path.join(path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));

describe('execution providers', () => {
  it.skipIf(cudaInstalled)('skips CUDA and TensorRT when their libraries are not installed, and says why', async () => {
    const ort = await loadOrt();
    const choice = await chooseProvider(ort, ['tensorrt', 'cuda', 'cpu']);
    expect(choice.provider).toBe('cpu');
    expect(choice.skipped).toHaveLength(2);
    // the dependency check's reason, naming the provider library that is not there
    expect(choice.skipped.join('\n')).toMatch(/^tensorrt: .*libonnxruntime_providers_tensorrt\.so .*not installed/m);
    expect(choice.skipped.join('\n')).toMatch(/^cuda: .*libonnxruntime_providers_cuda\.so .*not installed/m);
  });

  it('fails when no listed provider works', async () => {
    const ort = await loadOrt();
    await expect(chooseProvider(ort, ['cuda', 'no-such-provider'])).rejects.toBeInstanceOf(OnnxUnavailableError);
  });
});

describe('quality fast through the engine', () => {
  it('runs the ONNX fast network when ONNX is the engine', async () => {
    const engine = await createEngine({ weightsDir: WEIGHTS });
    try {
      const content = await rgb(path.join(PHOTOS, 'mona_lisa.jpg'), 64);
      const result = await engine.render({ content, styles: [], fastNetwork: 'scream', options: resolveOptions({}, { size: 64, quality: 'fast' }) });
      expect([result.engine, result.backend]).toEqual(['onnx', 'cpu']);
      expect(Math.max(result.image.width, result.image.height)).toBe(64);
    } finally {
      await engine.dispose();
    }
  });
});
