/**
 * End to end with the real engine and real weights: a chat request's photo (presets/photos) goes
 * through the queue, a worker renders it (fast-style network or a few optimisation steps on tiny
 * images), and the adapter's handler receives the PNG. Also: a real render cancelled mid-way, a
 * photo that expired, a bot restarted mid-render, and a real `easel worker` process SIGKILLed
 * mid-render whose job another worker picks up and delivers once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { QueueEvents } from 'bullmq';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient, type EaselJobsClient } from '../../src/jobs/client.ts';
import { createEngineRenderer } from '../../src/jobs/engine-renderer.ts';
import { QUEUE_NAME } from '../../src/jobs/keys.ts';
import type { JobProgress } from '../../src/jobs/types.ts';
import type { Renderer } from '../../src/jobs/render.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest, sweeps, waitFor } from './harness.ts';
import { WORDING } from '../../src/requests/wording.ts';

// Generous lock: a worker's first render at a new size builds its ONNX session on the event loop.
// Status updates as often as they come (the latest wins), so short renders still show progress.
const TIMINGS = { EASEL_USER_COOLDOWN_S: '0', EASEL_JOB_LOCK_MS: '8000', EASEL_STALLED_INTERVAL_MS: '1000', EASEL_SHUTDOWN_GRACE_MS: '1000', EASEL_EDIT_INTERVAL_MS: '0' };

let renderer: Renderer; // one engine for this file's in-process workers (weights load once)
let r: TestRedis;
let config: Config;
let closers: (() => Promise<void>)[];
let photo: Buffer;

beforeAll(async () => {
  renderer = await createEngineRenderer(loadConfig({ LOG_LEVEL: 'silent' }, REPO_ROOT), silentLogger);
  photo = await readFile(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'));
});
afterAll(async () => {
  await renderer?.close?.();
});
beforeEach(async () => {
  r = await testRedis('e2e');
  config = r.config(TIMINGS);
  closers = [];
});
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await r.cleanup();
});

async function bot(): Promise<{ jobs: EaselJobsClient; log: EventLog; photoKey: string }> {
  const jobs = await createJobsClient(config, silentLogger, { sweepMs: 250 });
  closers.push(() => jobs.close());
  const log = new EventLog();
  await jobs.subscribe('discord', log.handler);
  return { jobs, log, photoKey: await jobs.blobs.put(photo) };
}

async function worker(): Promise<RunningWorker> {
  const w = await startWorker(config, { renderer, progressIntervalMs: 0 }, silentLogger);
  closers.push(() => w.close());
  return w;
}

describe('real engine through the queue', () => {
  it('renders a preset with its fast-style network and delivers the PNG, with progress', async () => {
    const { jobs, log, photoKey } = await bot();
    await worker();
    const s = await jobs.submit(makeRequest(photoKey, { style: { kind: 'preset', presetId: 'the-scream' }, options: { quality: 'fast', size: 64 } }));
    const final = await log.waitForFinal(s.jobId, 120_000);
    if (final.type !== 'completed') throw new Error(`expected completed, got ${JSON.stringify(final)}`);
    expect(final.result).toMatchObject({ width: 64, height: 48, styleLabel: 'The Scream', cached: false });
    const png = await jobs.blobs.get(final.result.resultKey);
    const meta = await sharp(png!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
    // a stylized image, not the photo resized: compare with the photo at the same size
    const { data: out } = await sharp(png!).raw().toBuffer({ resolveWithObject: true });
    const { data: plain } = await sharp(photo).resize(64, 48, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let diff = 0;
    for (let i = 0; i < out.length; i++) diff += Math.abs(out[i] - plain[i]);
    expect(diff / out.length).toBeGreaterThan(10);
    // The worker reported progress (a fast network is done at once: the adapter may be shown none of it).
    expect((await jobs.queue.getJob(s.jobId))!.progress).toMatchObject({ total: expect.any(Number) });
  });

  it('runs optimisation steps with step/total progress and a preview blob every k steps', async () => {
    const { jobs, log, photoKey } = await bot();
    await worker();
    // Every progress report the worker made (the adapter is shown only the latest of them).
    const events = new QueueEvents(QUEUE_NAME, { connection: { url: r.url }, prefix: r.prefix });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const progress: JobProgress[] = [];
    events.on('progress', ({ data }) => void progress.push(data as unknown as JobProgress));
    const s = await jobs.submit(makeRequest(photoKey, { style: { kind: 'preset', presetId: 'starry-night' }, options: { quality: 'draft', size: 32, iterations: 20 } }));
    const final = await log.waitForFinal(s.jobId, 120_000);
    expect(final.type).toBe('completed');
    // Not asserted here: that the adapter was shown a progress status. The latest status wins and none
    // is shown once the final is on its way, so a 20-step render that ends before the first status
    // edit (a loaded machine) rightly shows none; the cancel test below waits for shown progress.
    expect(progress.at(-1)).toMatchObject({ step: 20, total: 20, percent: 100 });
    const withPreview = progress.filter((p) => p.previewKey);
    expect(withPreview.length).toBeGreaterThanOrEqual(1);
    const preview = await jobs.blobs.get(withPreview[0].previewKey!);
    expect((await sharp(preview!).metadata()).format).toBe('jpeg');
  });

  it('stops a real render at its next step when cancelled', async () => {
    const { jobs, log, photoKey } = await bot();
    await worker();
    const s = await jobs.submit(makeRequest(photoKey, { user: { id: 'owner' }, style: { kind: 'preset', presetId: 'starry-night' }, options: { quality: 'draft', size: 32, iterations: 2000 } }));
    await waitFor(() => log.of(s.jobId).some((e) => e.type === 'progress' && e.progress.step >= 2), 120_000, 'the render to be under way');
    expect(await jobs.cancel(s.jobId, 'owner')).toBe(true);
    const final = await log.waitForFinal(s.jobId, 60_000);
    expect(final.type).toBe('cancelled');
    const steps = log.of(s.jobId).flatMap((e) => (e.type === 'progress' ? [e.progress.step] : []));
    expect(Math.max(...steps)).toBeLessThan(2000);
    expect(await jobs.queue.getJobState(s.jobId)).toBe('failed');
    expect((await jobs.queue.getJob(s.jobId))!.attemptsMade).toBe(1);
  });

  it('fails at once, without retry, when the photo expired before a worker got to it', async () => {
    const { jobs, log, photoKey } = await bot();
    const s = await jobs.submit(makeRequest(photoKey, { options: { quality: 'fast', size: 64 } }));
    await r.redis.del(`${r.prefix}:blob:${photoKey}`); // what the TTL does to a blob left too long
    await worker();
    const final = await log.waitForFinal(s.jobId, 60_000);
    expect(final).toMatchObject({ type: 'failed', userMessage: WORDING.photoExpired });
    expect((await jobs.queue.getJob(s.jobId))!.attemptsMade).toBe(1);
  });

  it('still delivers, once, when the bot restarts mid-render', async () => {
    const first = await bot();
    await worker();
    const s = await first.jobs.submit(makeRequest(first.photoKey, { style: { kind: 'preset', presetId: 'starry-night' }, options: { quality: 'draft', size: 32, iterations: 60 } }));
    await waitFor(() => first.log.of(s.jobId).some((e) => e.type === 'progress'), 120_000, 'the render to start');
    await first.jobs.close();
    await waitFor(async () => (await r.redis.hget(`${r.prefix}:render:${s.jobId}`, 'finishedOn')) !== null, 120_000, 'the render to finish');
    expect(first.log.finals()).toHaveLength(0);
    const second = await bot();
    const final = await second.log.waitForFinal(s.jobId, 30_000);
    expect(final.type).toBe('completed');
    await sweeps(second.jobs, 3); // three whole sweeps later, still once
    expect(second.log.finals(s.jobId)).toHaveLength(1);
  });
});

describe('a worker process (easel worker) stopped mid-render', () => {
  let child: ChildProcess | undefined;
  let stderr = '';
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  async function spawnWorker(env: Record<string, string> = {}): Promise<ChildProcess> {
    stderr = '';
    const c = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'worker'], {
      cwd: REPO_ROOT,
      env: { ...r.env({ ...TIMINGS, ...env }), PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', EASEL_METRICS_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(async () => (await r.redis.hlen(`${r.prefix}:workers`)) === 1, 120_000, `the child worker to start (stderr: ${stderr})`);
    return c;
  }

  it('on SIGTERM hands its running job back after the grace period and exits cleanly', async () => {
    const { jobs, log, photoKey } = await bot();
    child = await spawnWorker({ EASEL_SHUTDOWN_GRACE_MS: '500' });
    const s = await jobs.submit(makeRequest(photoKey, { user: { id: 'owner' }, style: { kind: 'preset', presetId: 'starry-night' }, options: { quality: 'draft', size: 32, iterations: 2000 } }));
    await waitFor(() => log.of(s.jobId).some((e) => e.type === 'progress' && e.progress.step >= 2), 120_000, 'the child to be mid-render');
    child.kill('SIGTERM');
    const code = await new Promise((res) => child!.once('exit', res));
    expect(code).toBe(0);
    expect(await jobs.queue.getJobState(s.jobId)).toMatch(/^(waiting|prioritized)$/);
    expect(await r.redis.hlen(`${r.prefix}:workers`)).toBe(0); // deregistered
    expect(log.finals(s.jobId)).toHaveLength(0);
    expect(await jobs.cancel(s.jobId, 'owner')).toBe(true);
    expect((await log.waitForFinal(s.jobId)).type).toBe('cancelled');
  });

  it('has its job picked up by another worker and delivered once', async () => {
    const { jobs, log, photoKey } = await bot();
    // A real `easel worker` process (its own engine), told apart from ours by its registry entry.
    child = await spawnWorker();
    const s = await jobs.submit(makeRequest(photoKey, { style: { kind: 'preset', presetId: 'starry-night' }, options: { quality: 'draft', size: 32, iterations: 60 } }));
    await waitFor(() => log.of(s.jobId).some((e) => e.type === 'progress' && e.progress.step >= 3), 120_000, 'the child to be mid-render');
    const [childId] = await r.redis.hkeys(`${r.prefix}:workers`);
    expect((await jobs.queue.getJob(s.jobId))!.processedBy).toBe(childId);
    child.kill('SIGKILL');
    await new Promise((res) => child!.once('exit', res));
    expect(log.finals(s.jobId)).toHaveLength(0);
    const beforeKill = log.of(s.jobId).length;

    const rescuer = await worker();
    const final = await log.waitForFinal(s.jobId, 120_000);
    expect(final.type).toBe('completed');
    // the adapter heard that its job went back in line, or (the latest state wins) that it started again
    expect(log.of(s.jobId).slice(beforeKill).some((e) => e.type === 'queued' || e.type === 'active')).toBe(true);
    const job = (await jobs.queue.getJob(s.jobId))!;
    expect(job.processedBy).toBe(rescuer.id);
    expect(job.attemptsStarted).toBeGreaterThanOrEqual(2);
    await sweeps(jobs, 3); // three whole sweeps later, still once
    expect(log.finals(s.jobId)).toHaveLength(1);
  });
});
