/**
 * The graphs' structure and the session cache, on real ONNX Runtime sessions: flipped kernels are
 * built in-graph (the model carries each weight once), shapes derived from the layer list match
 * what ORT computes at odd sizes, and sessions are built once per key, reused and evicted when idle.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/engine/onnx/graph-builder.ts';
import { loadOrt, sessionOptions } from '../../src/engine/onnx/runtime.ts';
import { SessionCache } from '../../src/engine/onnx/session-cache.ts';
import { activationShape, buildLossModel, buildProbeModel } from '../../src/engine/onnx/vgg-graph.ts';
import { layersUpTo } from '../../src/engine/vgg19/layers.ts';
import { loadVggWeights } from '../../src/engine/vgg19/weights.ts';
import { WEIGHTS } from './helpers.ts';

const STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];

describe('VGG19 loss graph', () => {
  it('carries each kernel once: the flipped ones are built in-graph', async () => {
    const weights = await loadVggWeights(`${WEIGHTS}/vgg19`);
    const { model, nodes } = buildLossModel({ height: 64, width: 48, pooling: 'max', contentLayer: 'relu4_2', styleLayers: STYLE_LAYERS }, weights);
    let weightBytes = 0;
    for (const l of layersUpTo(STYLE_LAYERS)) if (l.kind === 'conv') weightBytes += (weights.get(l.keras)!.kernel.length + weights.get(l.keras)!.bias.length) * 4;
    expect(model.length).toBeGreaterThan(weightBytes);
    expect(model.length).toBeLessThan(weightBytes * 1.01);
    expect(nodes).toBeLessThan(300);
  });

  it('derives activation shapes that match ONNX Runtime at odd sizes', async () => {
    const ort = await loadOrt();
    const weights = await loadVggWeights(`${WEIGHTS}/vgg19`);
    const layers = ['relu1_1', 'pool1', 'relu3_1', 'relu5_1'];
    const session = await ort.InferenceSession.create(buildProbeModel({ pooling: 'avg', features: layers, grams: [] }, weights), sessionOptions('cpu'));
    for (const [h, w] of [[37, 53], [33, 16]]) {
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(h * w * 3).fill(100), [1, h, w, 3]) });
      layers.forEach((name, i) => {
        const [c, hh, ww] = activationShape(name, h, w);
        expect(out[`feature_${i}`].dims).toEqual([1, hh, ww, c]);
      });
    }
    await session.release();
    expect(activationShape('relu5_1', 37, 53)).toEqual([512, 2, 3]);
  });
});

describe('session cache', () => {
  function tinyModel(factor: number): Uint8Array {
    const g = new GraphBuilder('tiny');
    g.output(g.mul(g.input('x', [2]), g.scalar(factor)), 'y', [2]);
    return g.encode();
  }

  it('builds a session once per key, reuses it, and releases idle ones beyond the limit', async () => {
    const ort = await loadOrt();
    const cache = new SessionCache((m) => ort.InferenceSession.create(m), 1);
    const builds: string[] = [];
    const lease = (key: string, f: number) =>
      cache.acquire(key, () => {
        builds.push(key);
        return tinyModel(f);
      });
    const a1 = await lease('a', 2);
    const a2 = await lease('a', 2);
    expect(a2.session).toBe(a1.session);
    const { y } = await a1.session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2), [2]) });
    expect(Array.from(y.data as Float32Array)).toEqual([2, 4]);
    const b = await lease('b', 3);
    a1.release();
    a2.release();
    expect(cache.size).toBe(2); // 'a' idle (within the limit of 1), 'b' in use
    const c = await lease('c', 4);
    c.release(); // now 'a' and 'c' are idle: the least recently used ('a') goes
    expect(cache.size).toBe(2);
    await lease('a', 2);
    expect(builds).toEqual(['a', 'b', 'c', 'a']);
    b.release();
    await cache.dispose();
    expect(cache.size).toBe(0);
  });

  it('releases a session acquired not to be kept as soon as it is idle, and every idle one on demand', async () => {
    const ort = await loadOrt();
    const released: string[] = [];
    const cache = new SessionCache(async (m) => {
      const session = await ort.InferenceSession.create(m);
      const name = `s${m.length}:${released.length}`;
      const release = session.release.bind(session);
      session.release = async () => {
        released.push(session.outputNames[0] === 'y' ? name : '?');
        await release();
      };
      return session;
    }, 3);
    const large = await cache.acquire('large', () => tinyModel(2), { keepIdle: false });
    const again = await cache.acquire('large', () => tinyModel(2), { keepIdle: false });
    large.release();
    expect(cache.size).toBe(1); // still leased
    again.release();
    expect(cache.size).toBe(0);
    const small = await cache.acquire('small', () => tinyModel(3));
    small.release();
    const busy = await cache.acquire('busy', () => tinyModel(4));
    expect(cache.size).toBe(2);
    await cache.releaseIdle();
    expect(cache.size).toBe(1); // 'busy' stays
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(released).toHaveLength(2);
    busy.release();
    await cache.dispose();
  });

  it('forgets a failed build so the next acquire retries', async () => {
    const ort = await loadOrt();
    const cache = new SessionCache((m) => ort.InferenceSession.create(m), 2);
    await expect(cache.acquire('k', () => Uint8Array.of(1, 2, 3))).rejects.toThrow();
    const ok = await cache.acquire('k', () => tinyModel(5));
    expect(ok.session.outputNames).toEqual(['y']);
    ok.release();
    await cache.dispose();
  });
});
