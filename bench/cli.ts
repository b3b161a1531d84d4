/**
 * `easel bench` (`npm run bench`): the engines side by side on this machine.
 *   - ms per loss+gradient evaluation (median of N) at each size, for every LossBackend that loads
 *     here (tfjs with its best backend; ONNX Runtime when registered), and
 *   - the wall time of a full 'balanced' render where its estimate fits the time budget,
 *   - the fast feed-forward networks' time per image (--only fast, or in the full run).
 * Inputs: the ballerina photo and Starry Night from the installed presets.
 */
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { decodeImage, fitLongest, resizeRgb } from '../src/images/index.ts';
import { ENGINE_FACTORIES, type EngineFactory } from '../src/engine/index.ts';
import { render } from '../src/engine/render.ts';
import { CONTENT_LAYER, STYLE_LAYERS, lossMixFor, evaluationsFor, resolveOptions } from '../src/engine/params.ts';
import { lossWeights } from '../src/engine/loss-spec.ts';
import { toFloat } from '../src/engine/pixels.ts';
import type { LossBackend } from '../src/engine/types.ts';
import type { RgbImage } from '../src/images/types.ts';

export interface BenchOptions {
  sizes?: string;
  quick?: boolean;
  only?: string;
  json?: boolean;
  pairs?: string;
  tiers?: string;
  out?: string;
  strengths?: string;
  seeds?: string;
}

interface Row {
  engine: string;
  backend: string;
  size: string;
  msPerEval?: number;
  /** CPU time of this process per evaluation (median): near the wall time of an idle machine when the engine is single-threaded. */
  cpuMsPerEval?: number;
  evals?: number;
  balancedRenderMs?: number;
  renderIterations?: number;
  note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median wall and process-CPU milliseconds per evaluation. */
async function timeEvaluations(backend: LossBackend, content: RgbImage, style: RgbImage, reps: number): Promise<{ wall: number; cpu: number }> {
  const { width: w, height: h } = content;
  const x = toFloat(content).data;
  const [contentTarget] = await backend.features(x, h, w, [CONTENT_LAYER], 'max');
  const styleTargets = await backend.grams(toFloat(style).data, style.height, style.width, [...STYLE_LAYERS], 'max');
  const ev = await backend.createEvaluator({
    height: h, width: w, pooling: 'max', contentLayer: CONTENT_LAYER, styleLayers: [...STYLE_LAYERS], contentTarget, styleTargets,
    ...lossWeights(lossMixFor(0.5), { contentTarget, styleTargets }),
  });
  try {
    await ev.evaluate(x); // warm-up: first-call allocations and kernel setup
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      const c = process.cpuUsage();
      await ev.evaluate(x);
      const dc = process.cpuUsage(c);
      wall.push(performance.now() - t);
      cpu.push((dc.user + dc.system) / 1000);
    }
    return { wall: median(wall), cpu: median(cpu) };
  } finally {
    ev.dispose();
  }
}

/** A balanced render's cost from the measured time per evaluation (∝ pixels). */
function estimateBalancedMs(size: number, msPerEvalAt: (px: number) => number): number {
  return evaluationsFor('balanced') * msPerEvalAt(size);
}

function fmtMs(ms?: number): string {
  if (ms === undefined) return '—';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export async function runBench(opts: BenchOptions): Promise<void> {
  if (opts.only === 'quality') {
    await (await import('./quality.ts')).runQualityBench(opts);
    return;
  }
  const config = loadConfig();
  const sizes = (opts.sizes ?? '128,256,512').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n >= 32);
  // Sized to keep the default run near 10 minutes on a 2-core machine with two engines.
  const reps = (size: number) => (opts.quick ? 2 : size > 256 ? 3 : 5);
  const renderBudgetMs = opts.quick ? 60_000 : 240_000;
  const only = opts.only;
  if (only === 'queue') {
    await benchQueueSection(config.redis.url, opts);
    return;
  }
  if (only === 'storage') {
    // Redis bytes per job with each blob store, and the object store's cost per job (bench/storage.ts).
    const { benchStorage, formatStorageBench } = await import('./storage.ts');
    const results = await benchStorage({ jobs: opts.quick ? 10 : 20 });
    process.stdout.write(opts.json ? `${JSON.stringify({ storage: results })}\n` : `${formatStorageBench(results)}\n`);
    return;
  }
  const photo = await decodeImage(await readFile(path.join(config.assets.presetsDir, 'photos', 'dancer_ballerina.jpg')));
  const painting = await decodeImage(await readFile(path.join(config.assets.presetsDir, 'images', 'starry_night.jpg')));
  const say = (s: string) => (opts.json ? undefined : process.stderr.write(`${s}\n`));
  const rows: Row[] = [];
  const loadAtStart = os.loadavg()[0];

  if (only === 'ab') {
    // Every engine that loads, timed alternately (A, B, A, B…) so a shared machine's load hits all alike.
    const { benchInterleaved } = await import('./interleaved.ts');
    rows.push(...(await benchInterleaved({ factories: ENGINE_FACTORIES, weightsDir: config.assets.weightsDir, tfjsBackend: config.render.backend, log: silentLogger, sizes, reps: opts.quick ? 2 : 3, renderBudgetMs, photo, painting, say })));
  }
  const factories = ENGINE_FACTORIES.filter((f) => !only || only === 'engine' || only === 'fast' || f.name === only);
  for (const factory of factories) {
    if (only !== 'fast') rows.push(...(await benchLossBackend(factory, sizes, reps, renderBudgetMs, photo, painting, say)));
    if (!only || only === 'fast') rows.push(...(await benchFastStyle(factory, sizes, reps, photo, say)));
  }

  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ rows, cpus: os.cpus().length, loadAverage: [loadAtStart, os.loadavg()[0]] })}\n`);
    return;
  }
  const header = ['engine/backend', 'size', 'ms per eval (median)', 'CPU per eval', 'balanced render', 'notes'];
  const table = rows.map((r) => [`${r.engine}/${r.backend}`, r.size, r.msPerEval !== undefined ? `${fmtMs(r.msPerEval)} (n=${r.evals})` : '—', fmtMs(r.cpuMsPerEval), r.balancedRenderMs !== undefined ? `${fmtMs(r.balancedRenderMs)} (${r.renderIterations} evals)` : '—', r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  process.stdout.write(`${[line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...table.map(line)].join('\n')}\n`);
  // Wall times on a busy machine mean little; CPU time per evaluation is the load-independent figure.
  process.stdout.write(`${os.cpus().length} CPUs; 1-minute load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at the end.\n`);
  if (!only) await benchQueueSection(config.redis.url, { ...opts, quick: true });
}

/** Queue overhead per job (enqueue → worker start → delivery) with a no-op render, 1 and 2 workers. */
async function benchQueueSection(redisUrl: string, opts: BenchOptions): Promise<void> {
  const { benchQueue, formatQueueBench } = await import('./queue.ts');
  const results = [];
  for (const workers of [1, 2]) {
    const r = await benchQueue({ redisUrl, workers, jobs: opts.quick ? 100 : 200 });
    results.push(r);
    if (!opts.json) process.stdout.write(`\n${formatQueueBench(r)}\n`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify({ queue: results })}\n`);
}

async function benchLossBackend(factory: EngineFactory, sizes: number[], reps: (size: number) => number, renderBudgetMs: number, photo: RgbImage, painting: RgbImage, say: (s: string) => void): Promise<Row[]> {
  const config = loadConfig();
  let backend: LossBackend;
  try {
    backend = await factory.createLossBackend({ weightsDir: config.assets.weightsDir, backend: config.render.backend, log: silentLogger });
  } catch (err) {
    return [{ engine: factory.name, backend: '-', size: '-', note: `unavailable: ${(err as Error).message}` }];
  }
  const rows: Row[] = [];
  const measured = new Map<number, number>();
  // time per eval at any size, from the nearest measured one (∝ pixels)
  const msAt = (px: number) => {
    const [s, ms] = [...measured.entries()].sort((a, b) => Math.abs(a[0] - px) - Math.abs(b[0] - px))[0];
    return (ms * (px * px)) / (s * s);
  };
  try {
    for (const size of sizes) {
      const d = fitLongest(photo.width, photo.height, size);
      const content = await resizeRgb(photo, d.width, d.height);
      const sd = fitLongest(painting.width, painting.height, size);
      const style = await resizeRgb(painting, sd.width, sd.height);
      say(`${backend.engine}/${backend.backend} ${d.width}×${d.height}: timing ${reps(size)} evaluations…`);
      const ms = await timeEvaluations(backend, content, style, reps(size));
      measured.set(size, ms.wall);
      rows.push({ engine: backend.engine, backend: backend.backend, size: `${d.width}×${d.height}`, msPerEval: ms.wall, cpuMsPerEval: ms.cpu, evals: reps(size) });
    }
    for (const size of sizes) {
      const row = rows.find((r) => r.size.startsWith(`${fitLongest(photo.width, photo.height, size).width}×`))!;
      const estimate = estimateBalancedMs(size, msAt);
      if (estimate > renderBudgetMs) {
        row.note = `balanced render skipped (estimated ${fmtMs(estimate)})`;
        continue;
      }
      say(`${backend.engine}/${backend.backend} balanced render at ${size} px (estimated ${fmtMs(estimate)})…`);
      const options = resolveOptions({ size, quality: 'balanced' }, { size, quality: 'balanced' });
      const r = await render({ backend }, { content: photo, styles: [{ image: painting, weight: 1 }], options });
      row.balancedRenderMs = r.ms;
      row.renderIterations = r.iterations;
    }
  } finally {
    backend.dispose();
  }
  return rows;
}

async function benchFastStyle(factory: EngineFactory, sizes: number[], reps: (size: number) => number, photo: RgbImage, say: (s: string) => void): Promise<Row[]> {
  if (!factory.createFastStyle) return [];
  const config = loadConfig();
  let runner;
  try {
    runner = await factory.createFastStyle({ weightsDir: config.assets.weightsDir, backend: config.render.backend, log: silentLogger });
  } catch (err) {
    return [{ engine: `${factory.name} fast-style`, backend: '-', size: '-', note: `unavailable: ${(err as Error).message}` }];
  }
  const rows: Row[] = [];
  try {
    for (const size of sizes) {
      const d = fitLongest(photo.width, photo.height, size);
      const content = await resizeRgb(photo, d.width, d.height);
      say(`${runner.engine}/${runner.backend} fast network at ${d.width}×${d.height}…`);
      await runner.run('udnie', content);
      const times: number[] = [];
      for (let i = 0; i < reps(size); i++) {
        const t = performance.now();
        await runner.run('udnie', content);
        times.push(performance.now() - t);
      }
      rows.push({ engine: `${runner.engine} fast-style`, backend: runner.backend, size: `${d.width}×${d.height}`, msPerEval: median(times), evals: reps(size), note: 'one feed-forward pass (udnie)' });
    }
  } finally {
    await runner.dispose();
  }
  return rows;
}
