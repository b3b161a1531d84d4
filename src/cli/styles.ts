/**
 * `easel styles [--gallery file] [--json]`: list the presets (public domain first, licence shown) and
 * optionally write the gallery contact sheet.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { loadPresets, type Preset } from '../presets/index.ts';

export interface StylesOptions {
  gallery?: string;
  json?: boolean;
}

function row(p: Preset): string {
  const modes = [p.styleImage ? 'painting' : '', p.fastNetwork ? `fast:${p.fastNetwork}` : ''].filter(Boolean).join('+');
  return `${p.id.padEnd(28)} ${`${p.title} — ${p.artist}, ${p.year}`.padEnd(64)} ${modes.padEnd(20)} ${p.licenceNote}`;
}

export async function runStyles(opts: StylesOptions): Promise<void> {
  const config = loadConfig();
  const catalog = await loadPresets(config.assets.presetsDir, { weightsDir: config.assets.weightsDir });
  let galleryFile: string | undefined;
  if (opts.gallery) {
    galleryFile = path.resolve(opts.gallery);
    await mkdir(path.dirname(galleryFile), { recursive: true });
    await writeFile(galleryFile, await catalog.galleryPng());
  }
  const presets = catalog.all();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ presets, gallery: galleryFile })}\n`);
    return;
  }
  const lines = [`${'id'.padEnd(28)} ${'painting'.padEnd(64)} ${'modes'.padEnd(20)} licence`, ...presets.map(row)];
  if (galleryFile) lines.push('', `Gallery written to ${galleryFile}`);
  lines.push('', 'Use an id (or an alias such as "wave") with `easel stylize --style <id>`; presets with fast:<net> also render with --quality fast.');
  process.stdout.write(`${lines.join('\n')}\n`);
}
