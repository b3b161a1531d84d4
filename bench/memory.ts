/**
 * Peak memory of a worker rendering a 50 MP photo at 1024 px (the README's figure):
 *
 *   npx tsx bench/memory.ts [--megapixels 50] [--size 1024] [--quality draft] [--iterations 4] [--runs 1] [--json]
 *
 * Generates a photo-like JPEG of that many pixels with sharp (in this process), then measures in a
 * fresh child process what a worker does with it: the render thread (as `easel worker` runs it)
 * decodes it with shrink-on-load and renders it with the real engine; the child reports its peak
 * RSS (process.resourceUsage().maxRSS: main thread, render thread, ONNX Runtime and libvips
 * together). `--iterations` keeps a CPU run short: the working set at a given size does not grow
 * with the iteration count beyond L-BFGS's fixed history. `--runs N` measures N fresh processes and
 * reports their median (the peak varies by ±5% from run to run with the allocator's fragmentation).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { threadRenderer } from '../src/jobs/render-thread.ts';
import type { RenderBlobs } from '../src/jobs/types.ts';
import { QUALITIES, type Quality } from '../src/requests/render-plan.ts';

const { values } = parseArgs({
  options: {
    megapixels: { type: 'string', default: '50' },
    size: { type: 'string', default: '1024' },
    quality: { type: 'string', default: 'draft' },
    iterations: { type: 'string', default: '4' },
    runs: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    measure: { type: 'string' },
  },
});

/** A photo-like JPEG (smooth gradients and texture, so it compresses like a photo rather than a flat fill). */
async function generatePhoto(megapixels: number): Promise<Buffer> {
  const width = Math.round(Math.sqrt((megapixels * 1e6 * 3) / 2));
  const height = Math.round((width * 2) / 3);
  const seed = Buffer.alloc(96 * 64 * 3);
  for (let i = 0; i < seed.length; i++) seed[i] = (i * 73 + ((i / 3) | 0) * 29) % 256;
  return sharp(seed, { raw: { width: 96, height: 64, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).jpeg({ quality: 88 }).toBuffer();
}

async function measure(file: string): Promise<void> {
  const config = loadConfig({ ...process.env, EASEL_MAX_SIZE: '4096', EASEL_MAX_INPUT_PIXELS: String(200_000_000), EASEL_MAX_UPLOAD_BYTES: String(500 * 1024 * 1024), LOG_LEVEL: 'silent' });
  const bytes = await readFile(file);
  const meta = await sharp(bytes).metadata();
  const blobs: RenderBlobs = { get: async () => bytes, put: async () => 'unused' };
  const renderer = await threadRenderer({ module: new URL('../src/jobs/engine-render-thread.ts', import.meta.url), data: config, slots: 1, log: silentLogger });
  const t0 = performance.now();
  const out = await renderer.render(
    {
      jobId: 'memory-bench',
      request: {
        requestId: 'memory-bench', platform: 'cli', user: { id: 'bench' }, replyTo: {},
        content: { key: 'photo-50mp', width: meta.width!, height: meta.height! },
        style: { kind: 'preset', presetId: 'starry-night' }, options: {},
      },
      options: { size: Number(values.size), quality: values.quality as Quality, iterations: Number(values.iterations), strength: 0.75, preserveColors: false, seed: 0, brush: 'normal' },
      v: 2,
      notes: [],
      cacheKey: 'memory-bench-not-cached',
    },
    { blobs, signal: new AbortController().signal, onProgress: () => undefined },
  );
  const ms = performance.now() - t0;
  await renderer.close?.();
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ input: `${meta.width}x${meta.height}`, inputMP: +((meta.width! * meta.height!) / 1e6).toFixed(1), jpegMB: +(bytes.length / 2 ** 20).toFixed(1), output: `${out.width}x${out.height}`, quality: values.quality, iterations: out.iterations, engine: `${out.engine}/${out.backend}`, renderMs: Math.round(ms), peakRssMB })}\n`);
}

if (values.measure) {
  await measure(values.measure);
} else {
  if (!QUALITIES.includes(values.quality as Quality)) throw new Error(`--quality must be one of ${QUALITIES.join(', ')}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'easel-memory-'));
  try {
    const file = path.join(dir, 'photo.jpg');
    await writeFile(file, await generatePhoto(Number(values.megapixels)));
    const self = fileURLToPath(import.meta.url);
    const args = ['--import', 'tsx', self, '--measure', file, '--size', values.size, '--quality', values.quality, '--iterations', values.iterations];
    const measureOnce = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`measurement exited with ${code}`))));
      });
    const results = [];
    for (let i = 0; i < Math.max(1, Number(values.runs)); i++) {
      const r = JSON.parse(await measureOnce());
      results.push(r);
      if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${r.inputMP} MP JPEG (${r.input}, ${r.jpegMB} MB) → ${r.output} ${r.quality} (${r.iterations} evaluations, ${r.engine}) in ${(r.renderMs / 1000).toFixed(1)} s: peak RSS ${r.peakRssMB} MB\n`);
    }
    if (results.length > 1) {
      const peaks = results.map((r) => r.peakRssMB as number).sort((a, b) => a - b);
      const median = peaks[Math.floor(peaks.length / 2)];
      if (values.json) process.stdout.write(`${JSON.stringify({ runs: peaks.length, peakRssMB: { median, min: peaks[0], max: peaks[peaks.length - 1] } })}\n`);
      else process.stdout.write(`peak RSS over ${peaks.length} runs: median ${median} MB (${peaks[0]}–${peaks[peaks.length - 1]})\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
