/**
 * What keeps the ONNX loss evaluation's memory bounded (issue #13: 50 MP photo at 1024 px under
 * 1.5 GB peak RSS): the first block's backward pass in strips gives the same gradient as in one
 * piece; one evaluation holds a few full-resolution maps at a time, not the whole forward pass
 * (measured in a child process); large sessions run alone, with a memory arena, and are released
 * once done, while small ones are kept.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InferenceSession } from 'onnxruntime-node';
import { createOnnxLossBackend } from '../../src/engine/onnx/loss-backend.ts';
import { loadOrt, sessionOptions, type Ort } from '../../src/engine/onnx/runtime.ts';
import { buildLossModel, LOSS_IO, stripBounds, stripsFor } from '../../src/engine/onnx/vgg-graph.ts';
import { loadVggWeights } from '../../src/engine/vgg19/weights.ts';
import { lossWeights } from '../../src/engine/loss-spec.ts';
import { randomLossFeeds, seeded, WEIGHTS } from './helpers.ts';

const STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];

describe('first block in strips', () => {
  it('cuts rows in strips of whole pooling windows', () => {
    expect(stripBounds(683, 2)).toEqual([0, 342, 683]);
    expect(stripBounds(45, 3)).toEqual([0, 16, 30, 45]);
    expect(stripsFor(683, 1024)).toBe(4);
    expect(stripsFor(341, 512)).toBe(1);
    expect(() => stripBounds(5, 4)).toThrow();
  });

  it.each([
    [45, 35],
    [37, 53],
    [34, 33],
  ])('gives the same gradient as one piece at %i×%i (odd sizes drop pooled rows)', async (height, width) => {
    const ort = await loadOrt();
    const weights = await loadVggWeights(`${WEIGHTS}/vgg19`);
    const feeds = randomLossFeeds(ort, height * 100 + width, height, width, STYLE_LAYERS, { styleTarget: 1000, styleCoef: 1e-5 });
    const grads: Float32Array[] = [];
    for (const strips of [1, 2, 3]) {
      const { model } = buildLossModel({ height, width, pooling: 'max', contentLayer: 'relu4_2', styleLayers: STYLE_LAYERS, strips }, weights);
      const session = await ort.InferenceSession.create(model, sessionOptions('cpu'));
      grads.push((await session.run(feeds))[LOSS_IO.grad].data as Float32Array);
      await session.release();
    }
    expect(grads[0].some((v) => v !== 0)).toBe(true);
    for (const g of grads.slice(1)) expect(Array.from(g)).toEqual(Array.from(grads[0]));
  });
});

describe.runIf(process.platform === 'linux')('memory of one evaluation', () => {
  it('holds a few full-resolution maps at a time, not the whole forward pass', () => {
    const [height, width] = [256, 384];
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'loss-memory.child.ts'), String(height), String(width)], {
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' },
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    const { transientMB } = JSON.parse(child.stdout) as { transientMB: number };
    // One 64-channel float map at full resolution: 25 MB here. Measured: 3.3 of them; keeping the
    // forward pass's activations (or masks, or ORT reusing forward buffers for the backward pass)
    // took 6.2.
    const map = (64 * height * width * 4) / 2 ** 20;
    expect(transientMB).toBeGreaterThan(map);
    expect(transientMB).toBeLessThan(4.5 * map);
  });
});

describe('sessions by size', () => {
  /** The real runtime, recording each session's options and releases. */
  function recordingOrt(ort: Ort) {
    const sessions: Array<{ options: InferenceSession.SessionOptions; released: boolean; outputs: readonly string[] }> = [];
    const create = async (model: Uint8Array, options: InferenceSession.SessionOptions) => {
      const session = await ort.InferenceSession.create(model, options);
      const record = { options, released: false, outputs: session.outputNames };
      sessions.push(record);
      const release = session.release.bind(session);
      session.release = async () => {
        record.released = true;
        await release();
      };
      return session;
    };
    return { ort: { ...ort, InferenceSession: { ...ort.InferenceSession, create } } as unknown as Ort, sessions };
  }

  it('runs a large one alone, with a memory arena, and releases it once done; keeps small ones', async () => {
    const real = await loadOrt();
    const { ort, sessions } = recordingOrt(real);
    const backend = await createOnnxLossBackend({ weightsDir: WEIGHTS, loadRuntime: async () => ort, largeSessionPixels: 40 * 40 });
    const rnd = seeded(5);
    const image = (h: number, w: number) => Float32Array.from({ length: h * w * 3 }, () => rnd() * 255);
    const isLoss = (s: (typeof sessions)[number]) => s.outputs.includes(LOSS_IO.grad);
    const probes = () => sessions.filter((s) => !isLoss(s) && !s.outputs.includes('y'));
    try {
      const spec = async (h: number, w: number) => {
        const [contentTarget] = await backend.features(image(h, w), h, w, ['relu4_2'], 'max');
        const styleTargets = await backend.grams(image(32, 32), 32, 32, STYLE_LAYERS, 'max');
        return { height: h, width: w, pooling: 'max' as const, contentLayer: 'relu4_2', styleLayers: STYLE_LAYERS, contentTarget, styleTargets, ...lossWeights({ style: 1, content: 1, tv: 1 }, { contentTarget, styleTargets }) };
      };
      // Small (32×32): feature, Gram and loss sessions stay for the next render; only the loss one has an arena.
      const small = await backend.createEvaluator(await spec(32, 32));
      await small.evaluate(image(32, 32));
      small.dispose();
      expect(sessions.filter(isLoss).map((s) => [s.options.enableCpuMemArena, s.released])).toEqual([[true, false]]);
      expect(probes().map((s) => [s.options.enableCpuMemArena, s.released])).toEqual([[false, false], [false, false]]);

      // Large (48×48 > 40×40): the idle small sessions go first, the large ones have an arena and go once done.
      const largeSpec = await spec(48, 48);
      // The 48×48 features (large: arena, released), then the 32×32 Grams again (small: kept).
      expect(probes().slice(2).map((s) => [s.options.enableCpuMemArena, s.released])).toEqual([[true, true], [false, false]]);
      const large = await backend.createEvaluator(largeSpec);
      expect(sessions.filter(isLoss).map((s) => s.released)).toEqual([true, false]);
      expect(probes().every((s) => s.released)).toBe(true);
      await large.evaluate(image(48, 48));
      large.dispose();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sessions.filter(isLoss).map((s) => [s.options.enableCpuMemArena, s.released])).toEqual([[true, true], [true, true]]);
    } finally {
      backend.dispose();
    }
  });
});
