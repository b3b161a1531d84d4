/**
 * `npx tsx bench/gpu.ts`: what a render costs on the ONNX execution provider asked for (default
 * cuda; `--provider cpu` runs it on any machine). JSON out (stdout; `--out file` too):
 *   (a) check: one loss+gradient evaluation at --check-size px (128) on the provider vs the CPU,
 *       relative L2 difference of the gradient (TF32 on a GPU may give ~1e-3);
 *   (b) evals: ms per evaluation, median of --reps (10) after one warm-up, at each of --sizes
 *       (256,512,1024), 3:2 frames;
 *   (c) renders: one `balanced` render and one fast preset (udnie) at --render-size px (512), wall time.
 * Synthetic pixels (no decoding); real VGG19 and fast-style weights from --weights (weights/).
 * The GPU run on a lent machine: bench/gpu-lease/README.md.
 */
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { onnxEngineFactory } from '../src/engine/onnx/engine-factory.ts';
// render() wired as createEngine does (engine/index.ts), without the TensorFlow.js fallback: the
// bundle for a lent GPU (bench/gpu-lease) carries no tfjs.
import { render, type RenderDeps } from '../src/engine/render.ts';
import { GramCache } from '../src/engine/style-targets.ts';
import { CONTENT_LAYER, DEFAULT_STRENGTH, STYLE_LAYERS, lossMixFor, resolveOptions } from '../src/engine/params.ts';
import { relativeDistance } from '../src/engine/distance.ts';
import { lossWeights } from '../src/engine/loss-spec.ts';
import type { LossBackend } from '../src/engine/types.ts';
import type { RgbImage } from '../src/images/types.ts';
import { silentLogger } from '../src/log.ts';

const { values: args } = parseArgs({
  options: {
    provider: { type: 'string', default: process.env.EASEL_ONNX_PROVIDERS || 'cuda' },
    sizes: { type: 'string', default: '256,512,1024' },
    reps: { type: 'string', default: '10' },
    'check-size': { type: 'string', default: '128' },
    'render-size': { type: 'string', default: '512' },
    'fast-network': { type: 'string', default: 'udnie' },
    'no-check': { type: 'boolean', default: false },
    'no-render': { type: 'boolean', default: false },
    weights: { type: 'string', default: 'weights' },
    out: { type: 'string' },
  },
});
const providers = args.provider.split(',').map((p) => p.trim());
const sizes = args.sizes.split(',').map(Number);
const reps = Number(args.reps);
const weightsDir = args.weights;
const progress = (o: object) => process.stderr.write(`${JSON.stringify(o)}\n`);

/** Deterministic pixels with some structure (a ramp plus noise), so gradients are not trivial. */
function synth(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = (((i % (width * 3)) * 255) / (width * 3) + (s >>> 26)) & 255;
  }
  return { width, height, data } as RgbImage;
}

async function evaluator(backend: LossBackend, width: number, height: number) {
  const x = Float32Array.from(synth(width, height, 1).data);
  const [contentTarget] = await backend.features(x, height, width, [CONTENT_LAYER], 'max');
  const styleTargets = await backend.grams(Float32Array.from(synth(width, height, 2).data), height, width, [...STYLE_LAYERS], 'max');
  const ev = await backend.createEvaluator({ height, width, pooling: 'max', contentLayer: CONTENT_LAYER, styleLayers: [...STYLE_LAYERS], contentTarget, styleTargets, ...lossWeights(lossMixFor(DEFAULT_STRENGTH), { contentTarget, styleTargets }) });
  return { ev, x };
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const frame = (size: number) => ({ width: size, height: Math.round((size * 2) / 3) });

const factory = onnxEngineFactory();
const backend = await factory.createLossBackend({ weightsDir, backend: 'auto', onnxProviders: providers, log: silentLogger });
const result: Record<string, unknown> = { providersAsked: providers, engine: backend.engine, provider: backend.backend, startedAt: new Date().toISOString() };
progress({ engine: backend.engine, provider: backend.backend });

if (!args['no-check']) {
  const { width, height } = frame(Number(args['check-size']));
  const cpu = await factory.createLossBackend({ weightsDir, backend: 'auto', onnxProviders: ['cpu'], log: silentLogger });
  const a = await evaluator(backend, width, height);
  const b = await evaluator(cpu, width, height);
  const ea = await a.ev.evaluate(a.x);
  const grad = Float32Array.from(ea.grad);
  const eb = await b.ev.evaluate(b.x);
  result.check = { size: `${width}x${height}`, loss: ea.loss, lossCpu: eb.loss, lossRelDiff: Math.abs(ea.loss - eb.loss) / Math.abs(eb.loss), gradRelL2: relativeDistance(grad, eb.grad) };
  progress({ check: result.check });
  a.ev.dispose();
  b.ev.dispose();
  cpu.dispose();
}

const evals: unknown[] = [];
for (const size of sizes) {
  const { width, height } = frame(size);
  const { ev, x } = await evaluator(backend, width, height);
  let t = performance.now();
  await ev.evaluate(x);
  const firstMs = performance.now() - t;
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    t = performance.now();
    await ev.evaluate(x);
    ms.push(performance.now() - t);
  }
  const row = { size: `${width}x${height}`, firstMs: Math.round(firstMs), medianMs: round(median(ms)), minMs: round(Math.min(...ms)), reps };
  evals.push(row);
  progress(row);
  ev.dispose();
}
result.evals = evals;
backend.dispose();

if (!args['no-render']) {
  const size = Number(args['render-size']);
  const factoryOpts = { weightsDir, backend: 'auto' as const, onnxProviders: providers, log: silentLogger };
  const renderBackend = await factory.createLossBackend(factoryOpts);
  const fastStyle = factory.createFastStyle!(factoryOpts);
  const deps: RenderDeps = { backend: renderBackend, fastStyle: () => fastStyle, gramCache: new GramCache() };
  const content = synth(frame(size).width, frame(size).height, 3);
  const renders: unknown[] = [];
  for (const quality of ['balanced', 'fast'] as const) {
    const t = performance.now();
    const r = await render(deps, { content, styles: quality === 'fast' ? [] : [{ image: synth(size, size, 4), weight: 1 }], fastNetwork: quality === 'fast' ? args['fast-network'] : undefined, options: resolveOptions({}, { size, quality }) });
    const row = { quality, ...(quality === 'fast' ? { network: args['fast-network'] } : {}), size: `${r.image.width}x${r.image.height}`, engine: r.engine, provider: r.backend, iterations: r.iterations, ms: Math.round(performance.now() - t) };
    renders.push(row);
    progress(row);
  }
  renderBackend.dispose();
  await (await fastStyle).dispose();
  result.renders = renders;
}

const json = JSON.stringify(result, null, 2);
process.stdout.write(`${json}\n`);
if (args.out) await writeFile(args.out, `${json}\n`);
