/**
 * Storage benchmark: what one job costs in Redis memory with each blob store, and what the object
 * store costs per job in requests, bytes and time.
 *
 * For each mode (EASEL_BLOB_STORE=redis, then s3) on a fresh redis-server of its own (so
 * `used_memory` is this run's alone) — and, for s3, s3rver on loopback behind a counting proxy:
 *
 *   a job = a ~1 MB phone-sized JPEG stored as a pending upload (the intake) → submit → a worker
 *   that reads it, "renders" (the photo at 512 px as PNG, with 3 JPEG previews on the way, as a
 *   'balanced' render sends) and stores the result → the subscribed handler reads the result and
 *   stores a recipe (what the chat adapters do when they post it).
 *
 * The render is a stand-in (sharp, not the engine): this measures storage, not painting, and keeps
 * 2 × N jobs within a minute or two. Jobs run one at a time, so the per-job latency is the pipeline's.
 *
 *   npx tsx bench/storage.ts [--jobs 20] [--json]      (or `easel bench --only storage`)
 *
 * Reported per mode: Redis used_memory per job (after − before, over N jobs, after a warm-up),
 * submit → delivered per job (median), and for s3 the object-store requests per job by kind, bytes
 * up and down, and the time spent in them. Loopback: a real store adds its network round trip
 * (typically 10–50 ms in-region) to each request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { createJobsClient } from '../src/jobs/client.ts';
import type { Renderer } from '../src/jobs/render.ts';
import type { JobEvent } from '../src/jobs/types.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { StyleRequest } from '../src/requests/style-request.ts';
import { recipeOf, saveRecipe } from '../src/chat/common/recipe.ts';
import { jobIdFor } from '../src/jobs/job-data.ts';
import { LocalS3 } from '../test/helpers/s3.ts';

export interface StorageBenchOptions {
  jobs?: number;
}

export interface StorageModeResult {
  mode: 'redis' | 's3';
  jobs: number;
  photoBytes: number;
  resultBytes: number;
  redisBytesPerJob: number;
  msPerJobMedian: number;
  s3?: { requestsPerJob: Record<string, number>; bytesUpPerJob: number; bytesDownPerJob: number; msPerJob: number; msPerRequestMedian: number };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A redis-server of our own, no persistence (memory is what is measured). */
async function privateRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'easel-bench-redis-'));
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.ping();
      c.disconnect();
      break;
    } catch {
      c.disconnect();
      if (i > 200) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    async stop() {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An HTTP proxy in front of the S3 server that counts requests by kind, bytes and time. */
async function countingProxy(target: number) {
  const stats = { requests: {} as Record<string, number>, up: 0, down: 0, ms: [] as number[] };
  const server = http.createServer((req, res) => {
    const t0 = performance.now();
    const kind = req.method === 'POST' && req.url?.includes('delete') ? 'DELETE (batch)' : (req.method ?? '?');
    const upstream = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (d: Buffer) => (stats.down += d.length));
      up.pipe(res);
      up.on('end', () => {
        stats.requests[kind] = (stats.requests[kind] ?? 0) + 1;
        stats.ms.push(performance.now() - t0);
      });
    });
    upstream.on('error', () => res.destroy());
    req.on('data', (d: Buffer) => (stats.up += d.length));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stats,
    reset() {
      stats.requests = {};
      stats.up = 0;
      stats.down = 0;
      stats.ms = [];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A phone-sized photo (~1 MB JPEG, 2400×1800), different every time (nothing from the cache). */
async function phonePhoto(): Promise<Buffer> {
  const raw = await sharp({ create: { width: 2400, height: 1800, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).raw().toBuffer();
  return sharp(raw, { raw: { width: 2400, height: 1800, channels: 3 } }).blur(1).jpeg({ quality: 88 }).toBuffer();
}

/** Stands in for the engine: the photo at 512 px as the PNG result, after 3 JPEG previews. */
const standInRenderer: Renderer = {
  async render(task, ctx) {
    const t0 = performance.now();
    const bytes = await ctx.blobs.get(task.request.content.key);
    if (!bytes) throw new Error('photo missing');
    const small = sharp(bytes).resize(512, 512, { fit: 'inside' });
    for (let step = 1; step <= 3; step++) ctx.onProgress({ step: step * 20, total: 64, stage: 'painting', preview: small.clone().jpeg({ quality: 70 + step }).toBuffer() });
    const png = await small.clone().png().toBuffer();
    const { width, height } = await sharp(png).metadata();
    return { png, width: width!, height: height!, engine: 'stand-in', backend: 'sharp', iterations: 64, renderMs: performance.now() - t0, styleLabel: 'bench' };
  },
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};

async function benchMode(mode: 'redis' | 's3', jobs: number): Promise<StorageModeResult> {
  const redis = await privateRedis();
  const s3 = mode === 's3' ? await LocalS3.start('easel-bench') : undefined;
  const proxy = s3 ? await countingProxy(s3.port) : undefined;
  const inspect = new Redis(redis.url);
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    EASEL_REDIS_PREFIX: 'bench',
    LOG_LEVEL: 'silent',
    EASEL_USER_COOLDOWN_S: '0',
    EASEL_USER_MAX_JOBS: '1000',
    EASEL_MAX_WAITING: '1000',
    ...(s3 ? s3.env({ EASEL_S3_ENDPOINT: `http://127.0.0.1:${proxy!.port}` }) : {}),
  };
  const config = loadConfig(env);
  const client = await createJobsClient(config, silentLogger);
  const worker = await startWorker(config, { renderer: standInRenderer }, silentLogger);
  const done = new Map<string, () => void>();
  let resultBytes = 0;
  await client.subscribe('discord', async (event: JobEvent) => {
    if (event.type !== 'completed' && event.type !== 'failed') return;
    if (event.type === 'completed') {
      // What an adapter does when it posts a result: read it, store the recipe for the buttons.
      const png = await client.blobs.get(event.result.resultKey);
      if (!png) throw new Error('result missing');
      resultBytes += png.length;
      await saveRecipe(client.blobs, recipeOf(event.request));
    } else throw new Error(`job failed: ${event.reason}`);
    done.get(event.jobId)?.();
  });

  let seq = 0;
  let photoBytes = 0;
  const oneJob = async (): Promise<number> => {
    const bytes = await phonePhoto();
    const t0 = performance.now();
    const key = await client.blobs.putPending(bytes);
    if (!key) throw new Error('pending budget full');
    const request = StyleRequest.parse({
      requestId: `bench-${++seq}`,
      platform: 'discord',
      user: { id: `bench-user-${seq}`, name: 'bench' },
      replyTo: { channelId: 'c', interactionToken: 't' },
      content: { key, width: 2400, height: 1800 },
      style: { kind: 'preset', presetId: 'the-scream' },
      options: { quality: 'balanced', size: 512 },
    });
    const delivered = new Promise<void>((resolve) => done.set(jobIdFor(request), resolve));
    await client.submit(request);
    await delivered;
    photoBytes += bytes.length;
    return performance.now() - t0;
  };

  try {
    for (let i = 0; i < 2; i++) await oneJob(); // warm-up: scripts loaded, streams and connections in place
    await new Promise((r) => setTimeout(r, 500));
    const before = Number(/used_memory:(\d+)/.exec(await inspect.info('memory'))![1]);
    proxy?.reset();
    photoBytes = 0;
    resultBytes = 0;
    const times: number[] = [];
    for (let i = 0; i < jobs; i++) times.push(await oneJob());
    await new Promise((r) => setTimeout(r, 500));
    const after = Number(/used_memory:(\d+)/.exec(await inspect.info('memory'))![1]);
    const st = proxy?.stats;
    return {
      mode,
      jobs,
      photoBytes: Math.round(photoBytes / jobs),
      resultBytes: Math.round(resultBytes / jobs),
      redisBytesPerJob: Math.round((after - before) / jobs),
      msPerJobMedian: Math.round(median(times) * 10) / 10,
      s3: st && {
        requestsPerJob: Object.fromEntries(Object.entries(st.requests).map(([k, n]) => [k, Math.round((n / jobs) * 100) / 100])),
        bytesUpPerJob: Math.round(st.up / jobs),
        bytesDownPerJob: Math.round(st.down / jobs),
        msPerJob: Math.round((st.ms.reduce((a, b) => a + b, 0) / jobs) * 10) / 10,
        msPerRequestMedian: Math.round(median(st.ms) * 100) / 100,
      },
    };
  } finally {
    await worker.close();
    await client.close();
    inspect.disconnect();
    await proxy?.close();
    await s3?.close();
    await redis.stop();
  }
}

export async function benchStorage(opts: StorageBenchOptions = {}): Promise<StorageModeResult[]> {
  const jobs = opts.jobs ?? 20;
  return [await benchMode('redis', jobs), await benchMode('s3', jobs)];
}

export function formatStorageBench(results: StorageModeResult[]): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} kB`;
  const lines = results.map((r) => {
    const base = `${r.mode.padEnd(5)}  Redis used_memory per job ${kb(r.redisBytesPerJob).padStart(10)}   submit → delivered ${r.msPerJobMedian} ms (median of ${r.jobs})   photo ${kb(r.photoBytes)}, result ${kb(r.resultBytes)}`;
    if (!r.s3) return base;
    const reqs = Object.entries(r.s3.requestsPerJob).map(([k, n]) => `${n} ${k}`).join(', ');
    return `${base}\n       object store per job: ${reqs}; ${kb(r.s3.bytesUpPerJob)} up, ${kb(r.s3.bytesDownPerJob)} down; ${r.s3.msPerJob} ms in requests (median ${r.s3.msPerRequestMedian} ms each, loopback s3rver)`;
  });
  return ['Storage per job (bench/storage.ts): one job at a time, fresh redis-server per mode', ...lines].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const results = await benchStorage({ jobs: Number(arg('jobs') ?? 20) });
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(results)}\n` : `${formatStorageBench(results)}\n`);
  process.exit(0);
}
