/**
 * `easel bench --only ab`: the engines measured side by side, interleaved. On a shared machine the
 * load changes from one minute to the next, so timing one engine after the other compares the load
 * as much as the engines; alternating single evaluations (A, B, A, B, …) gives each the same
 * conditions. Rows: ms per loss+gradient evaluation at each size, a feed-forward pass of a fast
 * network, and a 'balanced' render for the engines whose estimate fits the time budget. The load
 * average over each measurement is reported with it.
 */
import os from 'node:os';
import type { EngineFactory } from '../src/engine/index.ts';
import { fitLongest, resizeRgb } from '../src/images/resize.ts';
import type { RgbImage } from '../src/images/types.ts';
import type { Logger } from '../src/log.ts';
import { CONTENT_LAYER, STYLE_LAYERS, lossMixFor, evaluationsFor, resolveOptions } from '../src/engine/params.ts';
import { lossWeights } from '../src/engine/loss-spec.ts';
import { toFloat } from '../src/engine/pixels.ts';
import { render } from '../src/engine/render.ts';
import type { FastStyleRunner } from '../src/engine/fast-style/types.ts';
import type { Evaluator, LossBackend } from '../src/engine/types.ts';
import type { TfBackendPreference } from '../src/engine/tfjs/backend.ts';

export interface InterleavedRow {
  engine: string;
  backend: string;
  size: string;
  msPerEval?: number;
  evals?: number;
  balancedRenderMs?: number;
  renderIterations?: number;
  note?: string;
}

export interface InterleavedOptions {
  factories: EngineFactory[];
  weightsDir: string;
  tfjsBackend: TfBackendPreference;
  log: Logger;
  sizes: number[];
  reps: number;
  renderBudgetMs: number;
  photo: RgbImage;
  painting: RgbImage;
  say: (line: string) => void;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const load = () => os.loadavg()[0].toFixed(1);

async function timed<T>(f: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

export async function benchInterleaved(o: InterleavedOptions): Promise<InterleavedRow[]> {
  const rows: InterleavedRow[] = [];
  const backends: LossBackend[] = [];
  const runners: FastStyleRunner[] = [];
  const factoryOpts = { weightsDir: o.weightsDir, backend: o.tfjsBackend, log: o.log };
  for (const f of o.factories) {
    try {
      backends.push(await f.createLossBackend(factoryOpts));
    } catch (err) {
      rows.push({ engine: f.name, backend: '-', size: '-', note: `unavailable: ${(err as Error).message}` });
    }
    try {
      if (f.createFastStyle) runners.push(await f.createFastStyle(factoryOpts));
    } catch (err) {
      rows.push({ engine: `${f.name} fast-style`, backend: '-', size: '-', note: `unavailable: ${(err as Error).message}` });
    }
  }
  try {
    const perEval = new Map<LossBackend, Map<number, number>>();
    for (const size of o.sizes) {
      const d = fitLongest(o.photo.width, o.photo.height, size);
      const content = await resizeRgb(o.photo, d.width, d.height);
      const sd = fitLongest(o.painting.width, o.painting.height, size);
      const style = await resizeRgb(o.painting, sd.width, sd.height);
      const evaluators = await Promise.all(backends.map((b) => evaluatorFor(b, content, style)));
      const x = toFloat(content).data;
      const times = backends.map(() => [] as number[]);
      const loadBefore = load();
      o.say(`${d.width}×${d.height}: warm-up, then ${o.reps} evaluations per engine, alternating…`);
      for (const ev of evaluators) await ev.evaluate(x);
      for (let r = 0; r < o.reps; r++) {
        for (const [i, ev] of evaluators.entries()) times[i].push(await timed(() => ev.evaluate(x)));
      }
      evaluators.forEach((ev) => ev.dispose());
      backends.forEach((b, i) => {
        const ms = median(times[i]);
        if (!perEval.has(b)) perEval.set(b, new Map());
        perEval.get(b)!.set(size, ms);
        rows.push({ engine: b.engine, backend: b.backend, size: `${d.width}×${d.height}`, msPerEval: ms, evals: o.reps, note: `all: ${times[i].map((t) => Math.round(t)).join(', ')} ms; load ${loadBefore}→${load()}` });
      });
    }

    for (const size of o.sizes) {
      const d = fitLongest(o.photo.width, o.photo.height, size);
      const content = await resizeRgb(o.photo, d.width, d.height);
      const times = runners.map(() => [] as number[]);
      const loadBefore = load();
      o.say(`${d.width}×${d.height}: fast network (udnie), alternating…`);
      for (const r of runners) await r.run('udnie', content);
      for (let k = 0; k < o.reps; k++) for (const [i, r] of runners.entries()) times[i].push(await timed(() => r.run('udnie', content)));
      runners.forEach((r, i) =>
        rows.push({ engine: `${r.engine} fast-style`, backend: r.backend, size: `${d.width}×${d.height}`, msPerEval: median(times[i]), evals: o.reps, note: `one feed-forward pass (udnie); all: ${times[i].map((t) => Math.round(t)).join(', ')} ms; load ${loadBefore}→${load()}` }),
      );
    }

    // Balanced renders one after the other (a render is minutes; interleaving them is not possible).
    const size = Math.max(...o.sizes);
    for (const b of backends) {
      const measured = perEval.get(b);
      if (!measured) continue;
      const [s0, ms0] = [...measured].sort((p, q) => Math.abs(p[0] - size) - Math.abs(q[0] - size))[0];
      const estimate = evaluationsFor('balanced') * ms0 * (size / s0) ** 2;
      const d = fitLongest(o.photo.width, o.photo.height, size);
      if (estimate > o.renderBudgetMs) {
        rows.push({ engine: b.engine, backend: b.backend, size: `${d.width}×${d.height}`, note: `balanced render skipped (estimated ${Math.round(estimate / 1000)} s)` });
        continue;
      }
      o.say(`${b.engine}/${b.backend}: balanced render at ${size} px (estimated ${Math.round(estimate / 1000)} s)…`);
      const loadBefore = load();
      const options = resolveOptions({ size, quality: 'balanced' }, { size, quality: 'balanced' });
      const r = await render({ backend: b }, { content: o.photo, styles: [{ image: o.painting, weight: 1 }], options });
      rows.push({ engine: b.engine, backend: b.backend, size: `${d.width}×${d.height}`, balancedRenderMs: r.ms, renderIterations: r.iterations, note: `load ${loadBefore}→${load()}` });
    }
  } finally {
    backends.forEach((b) => b.dispose());
    await Promise.all(runners.map((r) => r.dispose()));
  }
  return rows;
}

async function evaluatorFor(backend: LossBackend, content: RgbImage, style: RgbImage): Promise<Evaluator> {
  const { width: w, height: h } = content;
  const [contentTarget] = await backend.features(toFloat(content).data, h, w, [CONTENT_LAYER], 'max');
  const styleTargets = await backend.grams(toFloat(style).data, style.height, style.width, [...STYLE_LAYERS], 'max');
  return backend.createEvaluator({
    height: h, width: w, pooling: 'max', contentLayer: CONTENT_LAYER, styleLayers: [...STYLE_LAYERS], contentTarget, styleTargets,
    ...lossWeights(lossMixFor(0.5), { contentTarget, styleTargets }),
  });
}
