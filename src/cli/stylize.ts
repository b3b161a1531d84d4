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
import { progressBar, formatEta } from '../chat/common/text.ts';
import type { Engine, ProgressCallback, Quality, RenderOptions, RenderResult, StyleInput } from '../engine/types.ts';
import type { Preset, PresetCatalog } from '../presets/types.ts';
import { resolvePreset } from '../presets/resolve.ts';
import { PlanError, planRender, type Brush, type EngineExtras } from '../requests/render-plan.ts';
import { capToTable, deploymentCaps, presetPart, resolveRequest, ResolveError, styleCapabilities, type EffectiveOptions, type Note, type StyleCapabilities } from '../requests/resolve.ts';
import type { RequestOptions } from '../requests/style-request.ts';

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
  brush?: Brush;
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
  /** What was asked: the chat's options and the CLI's engine knobs, resolved like a chat request's. */
  options?: RequestOptions & EngineExtras;
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
  /** What was painted: resolveRequest's effective options, as a chat request's job stores them. */
  effective: EffectiveOptions;
  /** What was changed of what was asked ("size capped at 1024 — Easel's limit"). */
  notes: string[];
}

/** A --style argument: a file of the user's, or a preset. */
type StyleSource = { file: string; weight: number } | { preset: Preset; weight: number };

async function resolveStyles(names: string[], weights: number[], config: Config): Promise<{ sources: StyleSource[]; capabilities: StyleCapabilities; catalog?: PresetCatalog }> {
  const sources: StyleSource[] = [];
  let catalog: PresetCatalog | undefined;
  for (const [i, name] of names.entries()) {
    if (existsSync(name)) {
      sources.push({ file: name, weight: weights[i] });
      continue;
    }
    catalog ??= await (await import('../presets/index.ts')).loadPresets(config.assets.presetsDir, { weightsDir: config.assets.weightsDir });
    const preset: Preset | undefined = resolvePreset(catalog, name);
    if (!preset) {
      const near = catalog.search(name.replace(/[-_]+/g, ' '), 3).map((p) => p.id);
      throw new Error(`--style ${name}: neither a file nor a preset${near.length ? ` — did you mean ${near.join(', ')}?` : ''} (see \`easel styles\`)`);
    }
    sources.push({ preset, weight: weights[i] });
  }
  // A mix (several --style) has no fast network: each network paints one style.
  const capabilities = styleCapabilities(sources.map((s) => ('file' in s ? { painting: true } : presetPart(s.preset))));
  return { sources, capabilities, catalog };
}

/** Decode the paintings the plan uses, each to at most `maxSide`. */
async function decodeStyles(sources: StyleSource[], catalog: PresetCatalog | undefined, config: Config, maxSide: number): Promise<StyleInput[]> {
  const limits = imageLimitsFromConfig(config);
  const inputs: StyleInput[] = [];
  for (const s of sources) {
    if ('file' in s) inputs.push({ image: await decodeImage(await readInputFile(s.file, 'style image'), limits, { maxSide }), weight: s.weight });
    else if (s.preset.styleImage) inputs.push({ image: await decodeImage(await readFile(catalog!.styleImagePath(s.preset)), limits, { maxSide }), weight: s.weight });
  }
  return inputs;
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
  const weights = args.blend ?? Array(args.styles.length).fill(1);
  if (weights.length !== args.styles.length) throw new Error('one blend weight per style');
  const styles = await resolveStyles(args.styles, weights, config);
  // The same resolution as a chat request's (src/requests/resolve.ts): the deployment's caps apply
  // with a note, a tier the style cannot do becomes the nearest one it can; then the same plan as
  // the worker's. An animation is painted with a preset's fast network, one pass per frame.
  const { styleScale, pooling, optimizer, init, ...asked } = args.options ?? {};
  let resolved;
  let plan;
  const notes: Note[] = [];
  try {
    resolved = resolveRequest(asked, { caps: deploymentCaps(config), style: styles.capabilities });
    const extras: EngineExtras = { pooling, optimizer, init, styleScale: styleScale === undefined ? undefined : capToTable('styleScale', styleScale, notes) };
    plan = planRender(resolved.options, styles.capabilities, { animated: clip !== undefined, extras });
  } catch (err) {
    if (err instanceof ResolveError || err instanceof PlanError) throw new Error(`${args.styles.join(', ')}: ${err.message} (see \`easel styles\`, marked fast:<net>)`, { cause: err });
    throw err;
  }
  notes.unshift(...resolved.notes);
  for (const note of notes) log.info({ option: note.option }, `stylize: ${note.text}`);
  const options = plan.options;
  const content = clip ? clip.frames[0] : await decodeImage(contentBytes, imageLimitsFromConfig(config), { maxSide: plan.decodeBounds.photo });
  const styleInputs = plan.usesPaintings ? await decodeStyles(styles.sources, styles.catalog, config, plan.decodeBounds.style) : [];

  const engine = args.engine ?? (await createEngine({ engine: args.engineName ?? config.render.engine, backend: config.render.backend, onnxProviders: config.render.onnxProviders, weightsDir: config.assets.weightsDir, log }));
  let result: RenderResult;
  try {
    if (clip) {
      const a = await stylizeAnimation({ clip, styles: styleInputs, fastNetwork: plan.fastNetwork, options, engine, config, out: args.out, onProgress: args.onProgress, signal: args.signal });
      return { engine: a.engine, backend: a.backend, width: a.image.width, height: a.image.height, iterations: a.iterations, milliseconds: Math.round(a.ms), output: a.output, quality: options.quality, styles: args.styles, frames: a.frames, effective: resolved.options, notes: notes.map((n) => n.text) };
    }
    result = await engine.render({ content, styles: styleInputs, fastNetwork: plan.fastNetwork, options }, args.onProgress, args.signal);
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
    effective: resolved.options,
    notes: notes.map((n) => n.text),
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
        styleScale: opts.styleScale, brush: opts.brush, seed: opts.seed,
      },
    });
    printer?.done();
    // What Easel changed of what was asked, in the same words as in chat.
    if (!opts.json) for (const note of r.notes) process.stderr.write(`note: ${note}\n`);
    if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      const losses = r.initialStyleLoss !== undefined ? `, style loss ${r.initialStyleLoss.toPrecision(3)} → ${r.finalStyleLoss!.toPrecision(3)}` : '';
      process.stdout.write(`Wrote ${r.output} (${r.width}×${r.height}${r.frames ? `, ${r.frames} frames` : ''}) in ${(r.milliseconds / 1000).toFixed(1)} s — ${r.engine}/${r.backend}, ${r.iterations} iterations${losses}\n`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
