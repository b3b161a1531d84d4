/**
 * Renders off the event loop (src/jobs/render-thread.ts), deadlines and cost-aware order, with the
 * real queue on real Redis:
 *   - a render thread blocked far longer than the lock duration: the job completes once, on one
 *     of two workers, with no lost lock and no stalled-job takeover;
 *   - cancel during a long synchronous step ends the job in under 2 s, and the slot is free again;
 *   - a job past its deadline fails with "took too long" and the worker renders the next job;
 *   - a render thread that dies fails its job (retryable) and is replaced;
 *   - with one worker, one huge job and ten small ones waiting, the small ones run first, and a
 *     5000-iteration request is capped;
 *   - the real engine renders in its thread.
 * Timings are scaled down (lock 1 s, steps of 2.5–20 s) so each case takes seconds.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient, type EaselJobsClient } from '../../src/jobs/client.ts';
import { noopRenderer, type Renderer } from '../../src/jobs/render.ts';
import { threadRenderer } from '../../src/jobs/render-thread.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest, waitFor } from './harness.ts';
import { WORDING } from '../../src/requests/wording.ts';

const BLOCKING_THREAD = new URL('./fixtures/blocking-render-thread.ts', import.meta.url);
const TIMINGS = { EASEL_USER_COOLDOWN_S: '0', EASEL_USER_MAX_JOBS: '20', EASEL_JOB_LOCK_MS: '1000', EASEL_STALLED_INTERVAL_MS: '500', EASEL_SHUTDOWN_GRACE_MS: '500' };

let r: TestRedis;
let closers: (() => Promise<void>)[];

beforeEach(async () => {
  r = await testRedis('thread');
  closers = [];
});
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await r.cleanup();
});

/** A logger that keeps every line, to look for lost locks and stalled jobs. */
function capturingLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

async function bot(config: Config): Promise<{ jobs: EaselJobsClient; events: EventLog; photoKey: string }> {
  const jobs = await createJobsClient(config, silentLogger, { sweepMs: 250 });
  closers.push(() => jobs.close());
  const events = new EventLog();
  await jobs.subscribe('discord', events.handler);
  const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).png().toBuffer();
  return { jobs, events, photoKey: await jobs.blobs.put(photo) };
}

async function blockingWorker(config: Config, log = silentLogger, stopGraceMs?: number): Promise<{ worker: RunningWorker; renderer: Renderer & { threads(): number } }> {
  const renderer = await threadRenderer({ module: BLOCKING_THREAD, data: null, slots: 1, log, stopGraceMs });
  closers.push(() => renderer.close!());
  const worker = await startWorker(config, { renderer, progressIntervalMs: 0 }, log);
  closers.push(() => worker.close());
  return { worker, renderer };
}

/** `steps` synchronous steps of `blockMs` each in the fixture thread. */
const blocking = (photoKey: string, user: string, steps: number, blockMs: number) =>
  makeRequest(photoKey, { user: { id: user }, options: { quality: 'draft', size: 64, iterations: steps, seed: blockMs } });

describe('renders in a thread', () => {
  it('keeps the lock while the render thread blocks for longer than the lock duration: one render, one worker', async () => {
    const config = r.config(TIMINGS);
    const { jobs, events, photoKey } = await bot(config);
    const a = capturingLogger();
    const b = capturingLogger();
    await blockingWorker(config, a.log);
    await blockingWorker(config, b.log);
    // two steps of 2.5 s: each more than twice the 1 s lock, four stalled-job checks each
    const { jobId } = await jobs.submit(blocking(photoKey, 'u1', 2, 2500));
    const final = await events.waitForFinal(jobId, 30_000);
    expect(final.type).toBe('completed');
    const job = await jobs.queue.getJob(jobId);
    expect(job?.attemptsStarted).toBe(1);
    expect(job?.stalledCounter ?? 0).toBe(0);
    const logs = [...a.lines, ...b.lines].join('');
    expect(logs).not.toMatch(/Missing lock|stalled/i);
    expect(events.finals(jobId)).toHaveLength(1);
  });

  it('cancels a render in the middle of a long synchronous step in under 2 s; a thread that stays stuck is replaced', async () => {
    const config = r.config(TIMINGS);
    const { jobs, events, photoKey } = await bot(config);
    // a short stop grace (60 s by default) so the stuck thread is terminated within the test
    const { renderer } = await blockingWorker(config, silentLogger, 1000);
    // the first step returns at once (the render is under way), the second blocks 20 s
    const { jobId } = await jobs.submit(makeRequest(photoKey, { user: { id: 'owner' }, options: { quality: 'draft', size: 64, iterations: 3, seed: 0 } }));
    await waitFor(() => events.of(jobId).some((e) => e.type === 'completed'), 10_000, 'warm-up job').catch(() => undefined);
    const long = await jobs.submit(blocking(photoKey, 'owner', 2, 20_000));
    await waitFor(async () => (await jobs.queue.getJobState(long.jobId)) === 'active', 10_000, 'the long render to start');
    await new Promise((res) => setTimeout(res, 500)); // inside the blocking step now
    const t0 = Date.now();
    expect(await jobs.cancel(long.jobId, 'owner')).toBe(true);
    const final = await events.waitForFinal(long.jobId, 10_000);
    const tookMs = Date.now() - t0;
    expect(final.type).toBe('cancelled');
    expect(tookMs).toBeLessThan(2000);
    // the stuck thread was terminated and replaced: the next job renders
    const next = await jobs.submit(blocking(photoKey, 'owner', 1, 10));
    expect((await events.waitForFinal(next.jobId, 15_000)).type).toBe('completed');
    expect(renderer.threads()).toBe(1);
  });

  it('stops a job at its deadline with "took too long" and renders the next one once the thread has stopped', async () => {
    const config = r.config({ ...TIMINGS, EASEL_JOB_DEADLINE_S: '3' });
    const { jobs, events, photoKey } = await bot(config);
    const { renderer } = await blockingWorker(config);
    // steps of 4 s: the deadline passes inside the first; the thread stops after it, and is kept
    const slow = await jobs.submit(blocking(photoKey, 'u1', 3, 4000));
    const quick = await jobs.submit(blocking(photoKey, 'u2', 1, 10));
    const final = await events.waitForFinal(slow.jobId, 15_000);
    expect(final).toMatchObject({ type: 'failed', userMessage: WORDING.tookTooLong });
    expect(WORDING.tookTooLong).toMatch(/took too long/);
    expect((await jobs.queue.getJob(slow.jobId))?.attemptsMade).toBe(1); // not retried: it would time out again
    expect((await events.waitForFinal(quick.jobId, 15_000)).type).toBe('completed');
    expect(renderer.threads()).toBe(1);
  });

  it('fails a render whose thread died as a retryable render error, and renders the next job in a new thread', async () => {
    const config = r.config({ ...TIMINGS, EASEL_JOB_ATTEMPTS: '1' });
    const { jobs, events, photoKey } = await bot(config);
    const { renderer } = await blockingWorker(config);
    const crash = await jobs.submit(blocking(photoKey, 'crash', 3, 200));
    expect(await events.waitForFinal(crash.jobId, 15_000)).toMatchObject({ type: 'failed', userMessage: WORDING.renderFailed });
    const next = await jobs.submit(blocking(photoKey, 'u2', 1, 10));
    expect((await events.waitForFinal(next.jobId, 15_000)).type).toBe('completed');
    expect(renderer.threads()).toBe(1);
  });

  it('renders with the real engine inside its thread', async () => {
    const config = r.config(TIMINGS);
    const { jobs, events } = await bot(config);
    const worker = await startWorker(config, { progressIntervalMs: 0 }, silentLogger);
    closers.push(() => worker.close());
    const photoKey = await jobs.blobs.put(await readFile(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg')));
    const { jobId } = await jobs.submit(makeRequest(photoKey, { options: { quality: 'fast', size: 64 } }));
    const final = await events.waitForFinal(jobId, 90_000);
    expect(final.type).toBe('completed');
    const png = await jobs.blobs.get((final as { result: { resultKey: string } }).result.resultKey);
    const meta = await sharp(png!).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(64);
  });
});

describe('order by cost', () => {
  it('with one worker, runs ten small jobs before one huge one queued first, and caps its iterations', async () => {
    const config = r.config({ ...TIMINGS, EASEL_MAX_SIZE: '4096', EASEL_MAX_ITERATIONS: '1000' });
    const { jobs, photoKey } = await bot(config);
    const huge = await jobs.submit(makeRequest(photoKey, { user: { id: 'big' }, content: { key: photoKey, width: 4000, height: 3000 }, options: { quality: 'draft', size: 1024, iterations: 5000 } }));
    const small: string[] = [];
    for (let i = 0; i < 10; i++) small.push((await jobs.submit(makeRequest(photoKey, { user: { id: `small-${i}` }, options: { quality: 'balanced', size: 256, seed: i } }))).jobId);
    const started: Array<{ id: string; iterations?: number }> = [];
    const w = await startWorker(config, { renderer: noopRenderer({ onStart: (t) => started.push({ id: t.jobId, iterations: t.options.iterations }) }) }, silentLogger);
    closers.push(() => w.close());
    await waitFor(() => started.length === 11, 20_000, 'all eleven renders');
    expect(started.map((s) => s.id)).toEqual([...small, huge.jobId]);
    expect(started.at(-1)?.iterations).toBe(1000);
  });
});
