/**
 * `easel demo` (`npm run demo`): the quick start's "does it work" command. Installs and verifies
 * the assets it needs (VGG19, the photo and the painting: 20 MB, downloaded on first use when no
 * assets folder is there), then paints the ballerina photo as Van Gogh's Starry Night and says where
 * the result is. Sized for a CPU-only machine: a 256 px `draft` takes well under a minute on
 * ONNX Runtime with two cores.
 */
import { loadConfig, type Quality } from '../config.ts';
import { ASSETS } from '../assets/install.ts';
import { install } from './assets.ts';
import { formatEta, progressBar } from '../chat/common/text.ts';
import { stylizeFile } from './stylize.ts';

/** What the demo paints with: VGG19, the photo, and The Starry Night. */
export const DEMO_ASSETS = ASSETS.filter(
  (a) => a.target.startsWith('weights/vgg19/') || a.target === 'presets/photos/dancer_ballerina.jpg' || a.target === 'presets/images/starry_night.jpg',
);

export async function runDemo(opts: { out: string; size?: number; quality?: Quality }): Promise<void> {
  const config = loadConfig();
  const content = 'presets/photos/dancer_ballerina.jpg';
  const report = await install(config, {}, DEMO_ASSETS);
  process.stdout.write(`Assets ready (${report.installed} installed, ${report.alreadyOk} already there; \`npx easel assets\` installs the rest).\n`);
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
