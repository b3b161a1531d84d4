/**
 * Queue overhead benchmark: what the queue itself costs per job, with a no-op render, so the figure
 * is independent of the engine. Everything real but the render: Redis, BullMQ, submit (limits,
 * cache lookup, dedupe), worker, result blob, QueueEvents delivery to a subscribed handler.
 *
 *   latency     one job at a time: submit → worker starts the render → handler gets 'completed'
 *   throughput  all jobs submitted at once to N workers together: jobs per second
 *
 * Run: `npx tsx bench/queue.ts [--jobs 200] [--workers 2]` (REDIS_URL, default 127.0.0.1:6379;
 * a unique key prefix, deleted afterwards) — or `benchQueue()` from `easel bench --only queue`.
 */
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.ts';
import { silentLogger, type Logger } from '../src/log.ts';
import { createJobsClient } from '../src/jobs/client.ts';
import { noopRenderer } from '../src/jobs/render.ts';
import type { StyleRequest } from '../src/requests/style-request.ts';
import { startWorker, type RunningWorker } from '../src/jobs/worker.ts';

export interface QueueBenchOptions {
  /** Jobs in the throughput run (default 200); the latency run uses min(jobs, 100). */
  jobs?: number;
  /** Worker processes' worth of BullMQ workers, in this process (default 2). */
  workers?: number;
  /** Concurrency of each worker (default 1, like a GPU worker). */
  concurrency?: number;
  redisUrl?: string;
  log?: Logger;
}

export interface Stats {
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export interface QueueBenchResult {
  workers: number;
  concurrency: number;
  latency: { jobs: number; submitMs: Stats; enqueueToStartMs: Stats; startToDeliveryMs: Stats; totalMs: Stats };
  throughput: { jobs: number; wallMs: number; jobsPerS: number; meanTotalMs: number };
}

export function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const round = (x: number) => Math.round(x * 100) / 100;
  return { mean: round(s.reduce((a, b) => a + b, 0) / s.length), p50: round(at(0.5)), p95: round(at(0.95)), max: round(s[s.length - 1]) };
}

export async function benchQueue(opts: QueueBenchOptions = {}): Promise<QueueBenchResult> {
  const nWorkers = opts.workers ?? 2;
  const concurrency = opts.concurrency ?? 1;
  const total = opts.jobs ?? 200;
  const log = opts.log ?? silentLogger;
  const prefix = `easel-bench-${process.pid}-${Date.now()}`;
  const redisUrl = opts.redisUrl ?? loadConfig().redis.url;
  const config = loadConfig({
    REDIS_URL: redisUrl,
    EASEL_REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    EASEL_USER_COOLDOWN_S: '0',
    EASEL_MAX_WAITING: String(total + 10),
  });

  const started = new Map<string, number>();
  const delivered = new Map<string, number>();
  const renderer = noopRenderer({ onStart: (t) => started.set(t.jobId, performance.now()) });
  const jobs = await createJobsClient(config, log);
  const workers: RunningWorker[] = [];
  let seq = 0;
  try {
    for (let i = 0; i < nWorkers; i++) workers.push(await startWorker(config, { renderer, concurrency }, log));
    const waiters = new Map<string, () => void>();
    await jobs.subscribe('cli', async (e) => {
      if (e.type !== 'completed') return;
      delivered.set(e.jobId, performance.now());
      waiters.get(e.jobId)?.();
    });
    const photoKey = await jobs.blobs.put(Buffer.from(`bench photo ${prefix}`));
    const request = (): StyleRequest => {
      seq += 1;
      return {
        requestId: `bench-${seq}`,
        platform: 'cli',
        // one user per job: the per-user limit is not what is measured
        user: { id: `bench-user-${seq}` },
        replyTo: {},
        content: { key: photoKey, width: 64, height: 64 },
        style: { kind: 'preset', presetId: 'bench' },
        // distinct seeds: identical requests would be answered from the result cache
        options: { quality: 'fast', size: 64, seed: seq },
      };
    };
    const submitAndWait = async () => {
      const t0 = performance.now();
      const req = request();
      let done!: () => void;
      const finished = new Promise<void>((res) => (done = res));
      const { jobId } = await jobs.submit(req);
      waiters.set(jobId, done);
      if (delivered.has(jobId)) done();
      const submitted = performance.now();
      await finished;
      waiters.delete(jobId);
      return { t0, submitted, start: started.get(jobId)!, end: delivered.get(jobId)! };
    };

    // Warm up connections and scripts.
    for (let i = 0; i < 5; i++) await submitAndWait();

    const nLatency = Math.min(total, 100);
    const samples = [];
    for (let i = 0; i < nLatency; i++) samples.push(await submitAndWait());
    const latency = {
      jobs: nLatency,
      submitMs: stats(samples.map((s) => s.submitted - s.t0)),
      enqueueToStartMs: stats(samples.map((s) => s.start - s.t0)),
      startToDeliveryMs: stats(samples.map((s) => s.end - s.start)),
      totalMs: stats(samples.map((s) => s.end - s.t0)),
    };

    const t0 = performance.now();
    const all = await Promise.all(Array.from({ length: total }, () => submitAndWait()));
    const wallMs = performance.now() - t0;
    const throughput = {
      jobs: total,
      wallMs: Math.round(wallMs),
      jobsPerS: Math.round((total / wallMs) * 1000 * 10) / 10,
      meanTotalMs: stats(all.map((s) => s.end - s.t0)).mean,
    };
    return { workers: nWorkers, concurrency, latency, throughput };
  } finally {
    await Promise.allSettled(workers.map((w) => w.close()));
    await jobs.close();
    await deleteKeys(redisUrl, prefix);
  }
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (batch.length) await redis.unlink(...batch);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function formatQueueBench(r: QueueBenchResult): string {
  const row = (name: string, s: Stats) => `  ${name.padEnd(22)} mean ${s.mean.toFixed(1)} ms · p50 ${s.p50.toFixed(1)} · p95 ${s.p95.toFixed(1)} · max ${s.max.toFixed(1)}`;
  return [
    `queue overhead (no-op render, ${r.workers} worker${r.workers === 1 ? '' : 's'} × concurrency ${r.concurrency}, one job at a time, ${r.latency.jobs} jobs):`,
    row('submit', r.latency.submitMs),
    row('enqueue → worker start', r.latency.enqueueToStartMs),
    row('worker start → delivery', r.latency.startToDeliveryMs),
    row('enqueue → delivery', r.latency.totalMs),
    `queue throughput (${r.throughput.jobs} jobs submitted at once): ${r.throughput.jobsPerS} jobs/s, ${r.throughput.wallMs} ms wall, mean enqueue → delivery ${r.throughput.meanTotalMs.toFixed(0)} ms`,
  ].join('\n');
}

// `npx tsx bench/queue.ts --jobs 200 --workers 2 [--json]`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const result = await benchQueue({ jobs: arg('jobs'), workers: arg('workers'), concurrency: arg('concurrency') });
  process.stdout.write(`${process.argv.includes('--json') ? JSON.stringify(result) : formatQueueBench(result)}\n`);
}
