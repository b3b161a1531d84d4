/**
 * `easel stylize <content> --style <preset-id|file> …`: stylize one photo to a file, with a progress
 * bar on a TTY, or one JSON object with --json. `stylizeFile` is the reusable part (`easel demo`).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../config.ts';
import { createLogger, silentLogger, type Logger } from '../log.ts';
import { decodeImage, encodeImage, imageLimitsFromConfig } from '../images/index.ts';
import { createEngine } from '../engine/index.ts';
import { animatedOutputFormat, decodeClip, stylizeAnimation } from './stylize-animation.ts';
import { resolveOptions } from '../engine/params.ts';
import { progressBar, formatEta } from '../chat/common/text.ts';
import type { Engine, ProgressCallback, Quality, RenderOptions, RenderResult, StyleInput } from '../engine/types.ts';
import type { Preset } from '../presets/types.ts';

export interface StylizeCliOptions {
  style: string[];
  blend?: string;
  size?: number;
  iterations?: number;
  quality?: Quality;
  strength?: number;
  preserveColors?: boolean;
  pooling?: RenderOptions['pooling'];
  optimizer?: RenderOptions['optimizer'];
  init?: RenderOptions['init'];
  styleScale?: number;
  seed?: number;
  engine?: 'auto' | 'onnx' | 'tfjs';
  out: string;
  json?: boolean;
}

export interface StylizeFileArgs {
  content: string;
  /** Preset ids or image files. */
  styles: string[];
  /** Blend weights, one per style (default equal). */
  blend?: number[];
  out: string;
  options?: Partial<RenderOptions>;
  config?: Config;
  /** Reuse an engine (else one is created and disposed). */
  engine?: Engine;
  engineName?: 'auto' | 'onnx' | 'tfjs';
  log?: Logger;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** What `--json` prints. */
export interface StylizeFileResult {
  engine: string;
  backend: string;
  width: number;
  height: number;
  iterations: number;
  milliseconds: number;
  initialStyleLoss?: number;
  finalStyleLoss?: number;
  initialContentLoss?: number;
  finalContentLoss?: number;
  output: string;
  quality: Quality;
  styles: string[];
  /** Frames written, for an animated result. */
  frames?: number;
}

interface ResolvedStyles {
  inputs: StyleInput[];
  fastNetwork?: string;
  /** Per-preset defaults of the first preset (strength, style scale, pooling). */
  defaults: Partial<RenderOptions>;
}

async function resolveStyles(names: string[], weights: number[], config: Config): Promise<ResolvedStyles> {
  const limits = imageLimitsFromConfig(config);
  const inputs: StyleInput[] = [];
  let fastNetwork: string | undefined;
  let defaults: Partial<RenderOptions> = {};
  let catalog: Awaited<ReturnType<typeof import('../presets/index.ts').loadPresets>> | undefined;
  for (const [i, name] of names.entries()) {
    if (existsSync(name)) {
      inputs.push({ image: await decodeImage(await readInputFile(name, 'style image'), limits), weight: weights[i] });
      continue;
    }
    catalog ??= await (await import('../presets/index.ts')).loadPresets(config.assets.presetsDir, { weightsDir: config.assets.weightsDir });
    const preset: Preset | undefined = catalog.get(name);
    if (!preset) {
      const near = catalog.search(name.replace(/[-_]+/g, ' '), 3).map((p) => p.id);
      throw new Error(`--style ${name}: neither a file nor a preset${near.length ? ` — did you mean ${near.join(', ')}?` : ''} (see \`easel styles\`)`);
    }
    if (i === 0) defaults = { ...preset.defaults };
    fastNetwork ??= preset.fastNetwork;
    if (preset.styleImage) inputs.push({ image: await decodeImage(await readFile(catalog.styleImagePath(preset)), limits), weight: weights[i] });
  }
  return { inputs, fastNetwork, defaults };
}

/** Read a file the user named, with errors that say which argument was wrong. */
async function readInputFile(file: string, what: string): Promise<Buffer> {
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new Error(`${what} ${file}: no such file`);
  if (info.isDirectory()) throw new Error(`${what} ${file} is a folder, not an image file`);
  return readFile(file);
}

function parseBlend(blend: string | undefined, count: number): number[] {
  if (!blend) return Array(count).fill(1);
  const w = blend.split(',').map((s) => Number(s.trim()));
  if (w.length !== count || w.some((v) => !Number.isFinite(v) || v < 0) || w.every((v) => v === 0)) {
    throw new Error(`--blend needs one non-negative weight per --style (${count} here), e.g. ${Array(count).fill((1 / count).toFixed(2)).join(',')}`);
  }
  return w;
}

/** Stylize a photo file with preset(s) or style file(s) and write the result (.png, .jpg). */
export async function stylizeFile(args: StylizeFileArgs): Promise<StylizeFileResult> {
  const config = args.config ?? loadConfig();
  const log = args.log ?? silentLogger;
  const contentBytes = await readInputFile(args.content, 'photo');
  // An animated result (.gif, .webp) paints every frame of an animated photo: stylize-animation.ts.
  const clip = animatedOutputFormat(args.out) ? await decodeClip(contentBytes, config, args.content) : undefined;
  const content = clip ? clip.frames[0] : await decodeImage(contentBytes, imageLimitsFromConfig(config));
  const weights = args.blend ?? Array(args.styles.length).fill(1);
  if (weights.length !== args.styles.length) throw new Error('one blend weight per style');
  const styles = await resolveStyles(args.styles, weights, config);

  const options = resolveOptions(
    { ...styles.defaults, ...args.options },
    // A preset's fast network is the default for animations too: one pass per frame.
    { size: config.render.defaultSize, quality: styles.fastNetwork && (clip || styles.inputs.length === 0) ? 'fast' : config.render.defaultQuality },
  );
  if (options.quality !== 'fast' && styles.inputs.length === 0) throw new Error(`${args.styles.join(', ')} has no painting to optimise towards: use --quality fast`);
  if (options.quality === 'fast' && !styles.fastNetwork) {
    throw new Error(`--quality fast needs a preset with a fast network (${args.styles.join(', ')} has none; see \`easel styles\`, marked fast:<net>): use draft, balanced or best`);
  }

  const engine = args.engine ?? (await createEngine({ engine: args.engineName ?? config.render.engine, backend: config.render.backend, onnxProviders: config.render.onnxProviders, weightsDir: config.assets.weightsDir, log }));
  let result: RenderResult;
  try {
    if (clip) {
      const a = await stylizeAnimation({ clip, styles: styles.inputs, fastNetwork: styles.fastNetwork, options, engine, config, out: args.out, onProgress: args.onProgress, signal: args.signal });
      return { engine: a.engine, backend: a.backend, width: a.image.width, height: a.image.height, iterations: a.iterations, milliseconds: Math.round(a.ms), output: a.output, quality: options.quality, styles: args.styles, frames: a.frames };
    }
    result = await engine.render({ content, styles: styles.inputs, fastNetwork: styles.fastNetwork, options }, args.onProgress, args.signal);
  } finally {
    if (!args.engine) await engine.dispose();
  }
  const out = path.resolve(args.out);
  await mkdir(path.dirname(out), { recursive: true });
  const format = /\.jpe?g$/i.test(out) ? 'jpeg' : 'png';
  await writeFile(out, await encodeImage(result.image, { format, quality: 92 }));
  return {
    engine: result.engine,
    backend: result.backend,
    width: result.image.width,
    height: result.image.height,
    iterations: result.iterations,
    milliseconds: Math.round(result.ms),
    initialStyleLoss: result.initialLosses?.style,
    finalStyleLoss: result.finalLosses?.style,
    initialContentLoss: result.initialLosses?.content,
    finalContentLoss: result.finalLosses?.content,
    output: out,
    quality: options.quality,
    styles: args.styles,
  };
}

/** A one-line progress display: redrawn in place on a TTY, a line per stage otherwise. */
function progressPrinter(stream: NodeJS.WriteStream): { onProgress: ProgressCallback; done(): void } {
  let lastStage = '';
  let lastDraw = 0;
  return {
    onProgress: (p) => {
      const line = `${progressBar((100 * p.step) / p.total, 24)}  ${p.stage}  step ${p.step}/${p.total}${p.etaMs !== undefined ? `  ${formatEta(p.etaMs)} left` : ''}`;
      if (stream.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && p.step < p.total) return;
        lastDraw = now;
        stream.write(`\r${line.padEnd(stream.columns ? stream.columns - 1 : 100).slice(0, (stream.columns ?? 101) - 1)}`);
      } else if (p.stage !== lastStage) {
        lastStage = p.stage;
        stream.write(`${line}\n`);
      }
    },
    done: () => {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

export async function runStylize(content: string, opts: StylizeCliOptions): Promise<void> {
  const config = loadConfig();
  if (!/\.(png|jpe?g|gif|webp)$/i.test(opts.out)) throw new Error(`--out ${opts.out}: the result is written as PNG or JPEG (or an animated GIF / WebP from an animated photo), so name it .png, .jpg, .gif or .webp`);
  const log = opts.json ? silentLogger : createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level, pretty: config.log.pretty });
  const printer = opts.json ? undefined : progressPrinter(process.stderr);
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const r = await stylizeFile({
      content,
      styles: opts.style,
      blend: parseBlend(opts.blend, opts.style.length),
      out: opts.out,
      config,
      engineName: opts.engine,
      log,
      onProgress: printer?.onProgress,
      signal: ac.signal,
      options: {
        size: opts.size, quality: opts.quality, iterations: opts.iterations, strength: opts.strength,
        preserveColors: opts.preserveColors, pooling: opts.pooling, optimizer: opts.optimizer, init: opts.init,
        styleScale: opts.styleScale, seed: opts.seed,
      },
    });
    printer?.done();
    if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      const losses = r.initialStyleLoss !== undefined ? `, style loss ${r.initialStyleLoss.toPrecision(3)} → ${r.finalStyleLoss!.toPrecision(3)}` : '';
      process.stdout.write(`Wrote ${r.output} (${r.width}×${r.height}${r.frames ? `, ${r.frames} frames` : ''}) in ${(r.milliseconds / 1000).toFixed(1)} s — ${r.engine}/${r.backend}, ${r.iterations} iterations${losses}\n`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
