/**
 * What each decode bomb (test/fixtures/bombs.ts) costs at the deployment's default limits — the
 * README's Security table:
 *
 *   npx tsx bench/decode-bombs.ts [--side 7000] [--only png-ztxt,jpeg-cmyk] [--inline] [--json]
 *
 * Builds every bomb at EASEL_MAX_INPUT_PIXELS' scale (side² ≤ 50 MP; text chunks of 48 MiB × 8;
 * 3000 JPEG scans; a 16384² TIFF tile; 40 GIF/WebP frames), then for each, in a fresh process:
 *
 *   bot probe   probeImage, as the intake runs it on every upload (time; the process's peak RSS)
 *   worker      what the worker does with the blob: probe and decode in the decode sandbox
 *               (EASEL_DECODE_MAX_MEMORY_MB, EASEL_DECODE_TIMEOUT_S; decode bounded at 1024 px, an
 *               animation at EASEL_GIF_MAX_FRAME_PIXELS a frame) — time, outcome, the sandbox
 *               child's peak RSS (VmHWM, sampled every 20 ms and at the end) and the process's own
 *
 * `--inline` decodes in the measuring process instead of the sandbox (what the sandbox adds).
 * Figures move with the machine's load; the bounds they show do not.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { decodeAnimation, decodeImage, ImageError, isAnimation, probeImage } from '../src/images/index.ts';
import { DecodeSandbox, type ImageDecoder } from '../src/images/sandbox.ts';
import { allBombs } from '../test/fixtures/bombs.ts';

const { values } = parseArgs({
  options: {
    side: { type: 'string', default: '7000' },
    only: { type: 'string' },
    inline: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    measure: { type: 'string' },
  },
});

interface Measured {
  name: string;
  bytes: number;
  probeMs: number;
  probe: string;
  workerMs: number;
  worker: string;
  childPeakMb?: number;
  processPeakMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const outcome = (err: unknown) => (err instanceof ImageError ? `refused (${err.code})` : `error: ${err instanceof Error ? err.message : String(err)}`);

/** In the fresh process: one bomb, the bot's probe then the worker's decode. */
async function measure(file: string): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  const limits = { maxBytes: config.limits.maxUploadBytes, maxPixels: config.limits.maxInputPixels };
  const bytes = await readFile(file);
  let t0 = performance.now();
  const probe = await probeImage(bytes, limits).then(
    (p) => `passes (${p.width}×${p.height}${p.pages > 1 ? `, ${p.pages} frames` : ''})`,
    outcome,
  );
  const probeMs = performance.now() - t0;

  const sandbox = values.inline ? undefined : new DecodeSandbox({ memoryBytes: config.limits.decodeMemoryBytes, timeoutMs: config.limits.decodeTimeoutMs });
  await sandbox?.start();
  // The inline decoder is the engine renderer's (jobs/engine-renderer.ts), without loading an engine here.
  const inline: ImageDecoder = { probe: probeImage, image: decodeImage, animation: decodeAnimation };
  const decoder = sandbox ?? inline;
  const sampler = setInterval(() => sandbox?.peakRssBytes(), 20);
  t0 = performance.now();
  let worker: string;
  try {
    const p = await decoder.probe(bytes, limits);
    if (isAnimation(p)) {
      const clip = await decoder.animation(bytes, { ...limits, maxFrames: config.animation.maxFrames, maxFramePixels: config.animation.maxFramePixels });
      worker = `decoded ${clip.frames.length} frames of ${clip.width}×${clip.height}`;
    } else {
      const img = await decoder.image(bytes, limits, { maxSide: 1024 });
      worker = `decoded ${img.width}×${img.height}`;
    }
  } catch (err) {
    worker = outcome(err);
  }
  const workerMs = performance.now() - t0;
  clearInterval(sampler);
  const childPeak = sandbox?.peakRssBytes();
  await sandbox?.close();
  const result: Omit<Measured, 'name' | 'bytes'> = {
    probeMs: Math.round(probeMs),
    probe,
    workerMs: Math.round(workerMs),
    worker,
    childPeakMb: childPeak === undefined ? undefined : mb(childPeak),
    processPeakMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(file: string): Promise<Omit<Measured, 'name' | 'bytes'>> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', file, ...(values.inline ? ['--inline'] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`measuring ${path.basename(file)} failed (${signal ?? `exit ${code}`}): ${out.slice(-500)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  if (values.measure) return measure(values.measure);
  const side = Number(values.side);
  const only = values.only?.split(',');
  process.stderr.write(`building the bombs at ${side}×${side}…\n`);
  const bombs = (await allBombs({ side, inflate: 48 << 20, textChunks: 8, scans: 3000, tile: 16384, frames: 40 })).filter((b) => !only || only.includes(b.name));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'easel-bombs-'));
  const rows: Measured[] = [];
  try {
    for (const bomb of bombs) {
      const file = path.join(dir, bomb.name);
      await writeFile(file, bomb.bytes);
      process.stderr.write(`${bomb.name} (${bomb.what}, ${bomb.bytes.length} bytes)… `);
      const m = { name: bomb.name, bytes: bomb.bytes.length, ...(await runChild(file)) };
      process.stderr.write(`${m.worker}, ${m.workerMs} ms\n`);
      rows.push(m);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(`| bomb | file | bot probe | worker${values.inline ? ' (inline)' : ''} | time | decoder peak RSS | process peak RSS |\n|---|---|---|---|---|---|---|\n`);
  for (const m of rows) {
    process.stdout.write(`| ${m.name} | ${Math.round(m.bytes / 1024)} KB | ${m.probe}, ${m.probeMs} ms | ${m.worker} | ${m.workerMs} ms | ${m.childPeakMb ?? '—'} MB | ${m.processPeakMb} MB |\n`);
  }
}

await main();
