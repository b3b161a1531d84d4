/**
 * `easel demo` (`npm run demo`): the quick start's "does it work" command. Installs and verifies
 * the assets, then paints the bundled ballerina photo as Van Gogh's Starry Night and says where
 * the result is. Sized for a CPU-only machine: a 256 px `draft` takes well under a minute on
 * ONNX Runtime with two cores.
 */
import { loadConfig, type Quality } from '../config.ts';
import { installAssets } from '../assets/install.ts';
import { formatEta, progressBar } from '../chat/common/text.ts';
import { stylizeFile } from './stylize.ts';

export async function runDemo(opts: { out: string; size?: number; quality?: Quality }): Promise<void> {
  const config = loadConfig();
  const report = await installAssets({ source: config.assets.source, root: process.cwd() });
  process.stdout.write(`Assets ready (${report.installed} installed, ${report.alreadyOk} already there).\n`);
  const content = 'presets/photos/dancer_ballerina.jpg';
  process.stdout.write(`Painting ${content} as Van Gogh's “The Starry Night”…\n`);
  let lastPercent = -1;
  const r = await stylizeFile({
    content,
    styles: ['starry-night'],
    out: opts.out,
    config,
    options: { size: opts.size ?? 256, quality: opts.quality ?? 'draft', seed: 1 },
    onProgress: (p) => {
      const percent = Math.floor((100 * p.step) / p.total / 10) * 10;
      if (percent === lastPercent) return;
      lastPercent = percent;
      process.stdout.write(`  ${progressBar((100 * p.step) / p.total, 20)}${p.etaMs !== undefined ? `  ${formatEta(p.etaMs)} left` : ''}\n`);
    },
  });
  process.stdout.write(
    `\nDone in ${(r.milliseconds / 1000).toFixed(1)} s on ${r.engine}/${r.backend} (${r.iterations} iterations, ${r.width}×${r.height}).\n` +
      `Result: ${r.output}\n`,
  );
}
