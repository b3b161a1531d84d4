/**
 * The figures in the README, reproducible:
 *
 *   npx tsx bench/fast-style-measure.ts speed [--sizes 256,512] [--repeats 3] [--backend wasm]
 *   npx tsx bench/fast-style-measure.ts init  [--sizes 128,256] [--evals 100] [--presets great-wave,the-scream,shipwreck,udnie]
 *                                                   [--engine onnx|tfjs] [--photo presets/photos/golden_gate.jpg]
 *
 * `speed`: ms per forward pass of a fast network (median after a warm-up).
 * `init`:  evaluations saved by init 'fast' vs init 'content' (see init-benefit.ts); prints one JSON
 *          line per preset and size, with milestones: for a budget of m evaluations from the photo,
 *          how many the fast start needs to reach the same loss.
 * Uses Config (weights and presets folders from the environment), like every other entry point.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { decodeImage } from '../src/images/index.ts';
import { loadPresets } from '../src/presets/index.ts';
import type { LossBackend } from '../src/engine/types.ts';
import type { TfBackendPreference } from '../src/engine/tfjs/backend.ts';
import { createTfjsFastStyle } from '../src/engine/fast-style/tfjs.ts';
import { benchFastStyle } from './fast-style.ts';
import { measureInitBenefit } from './init-benefit.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: 'string' },
    repeats: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'wasm' },
    evals: { type: 'string', default: '100' },
    presets: { type: 'string', default: 'great-wave,the-scream,shipwreck,udnie' },
    engine: { type: 'string', default: 'onnx' },
    photo: { type: 'string', default: 'presets/photos/golden_gate.jpg' },
    network: { type: 'string', default: 'wave' },
  },
});
const config = loadConfig();
const sizes = (values.sizes ?? (positionals[0] === 'init' ? '128,256' : '256,512')).split(',').map(Number);
const runner = await createTfjsFastStyle({ weightsDir: config.assets.weightsDir, backend: values.backend as TfBackendPreference });

if (positionals[0] === 'speed') {
  for (const t of await benchFastStyle(runner, { network: values.network, sizes, repeats: Number(values.repeats) })) {
    console.log(JSON.stringify({ engine: runner.engine, backend: runner.backend, ...t }));
  }
} else if (positionals[0] === 'init') {
  const backend: LossBackend =
    values.engine === 'tfjs'
      ? await (await import('../src/engine/tfjs/loss-backend.ts')).createTfjsLossBackend({ weightsDir: config.assets.weightsDir, backend: values.backend as TfBackendPreference })
      : await (await import('../src/engine/onnx/loss-backend.ts')).createOnnxLossBackend({ weightsDir: config.assets.weightsDir });
  const catalog = await loadPresets(config.assets.presetsDir);
  const content = await decodeImage(await readFile(values.photo));
  for (const size of sizes) {
    for (const id of values.presets.split(',')) {
      const preset = catalog.get(id);
      if (!preset?.fastNetwork || !preset.styleImage) throw new Error(`preset ${id} needs both a painting and a fast network`);
      const style = await decodeImage(await readFile(catalog.styleImagePath(preset)));
      const evaluations = Number(values.evals);
      const r = await measureInitBenefit({ backend, runner, network: preset.fastNetwork, content, style, size, evaluations });
      const milestones = [10, 25, 50, evaluations]
        .filter((m, i, a) => m <= evaluations && a.indexOf(m) === i)
        .map((m) => {
          const k = r.fast.best.findIndex((l) => l <= r.content.best[m - 1]);
          return { contentEvals: m, fastEvals: k < 0 ? null : k + 1 };
        });
      console.log(JSON.stringify({
        preset: id, loss: `${backend.engine}/${backend.backend}`, size: `${r.width}x${r.height}`, evaluations,
        initialLoss: { content: +r.content.initialLoss.toPrecision(4), fast: +r.fast.initialLoss.toPrecision(4) },
        finalLoss: { content: +r.content.finalLoss.toPrecision(4), fast: +r.fast.finalLoss.toPrecision(4) },
        milestones, savedFraction: r.savedFraction,
      }));
    }
  }
  backend.dispose();
} else {
  console.error('usage: bench/fast-style-measure.ts speed|init [options] (see the comment at the top of this file)');
  process.exitCode = 2;
}
await runner.dispose();
