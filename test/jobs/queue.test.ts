/**
 * Queue mechanics against the real Redis, with the no-op / stepped renderer standing in for the
 * engine (the real-engine end-to-end tests are in engine-e2e.test.ts). Each test gets its own key
 * prefix, so nothing here sees another run's jobs.
 */
import sharp from 'sharp';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient, type EaselJobsClient, type JobsClientOptions } from '../../src/jobs/client.ts';
import { jobIdFor } from '../../src/jobs/job-data.ts';
import { QUEUE_NAME } from '../../src/jobs/keys.ts';
import { noopRenderer, type Renderer } from '../../src/jobs/render.ts';
import { JobRefused } from '../../src/jobs/types.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest, sleep, sweeps, waitFor } from './harness.ts';

let r: TestRedis;
let closers: (() => Promise<void>)[];
let photoKey: string;

beforeEach(async () => {
  r = await testRedis('queue');
  closers = [];
});
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await r.cleanup();
});

const FAST_TIMINGS = { EASEL_USER_COOLDOWN_S: '0', EASEL_JOB_LOCK_MS: '2000', EASEL_STALLED_INTERVAL_MS: '1000', EASEL_SHUTDOWN_GRACE_MS: '500', EASEL_EDIT_INTERVAL_MS: '50' };

async function client(config: Config, opts: JobsClientOptions = {}): Promise<EaselJobsClient> {
  const c = await createJobsClient(config, silentLogger, { sweepMs: 200, ...opts });
  closers.push(() => c.close());
  // A real photo's bytes as the content blob.
  photoKey = await c.blobs.put(await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer());
  return c;
}

async function worker(config: Config, renderer: Renderer = noopRenderer(), concurrency?: number): Promise<RunningWorker> {
  const w = await startWorker(config, { renderer, concurrency, progressIntervalMs: 0 }, silentLogger);
  closers.push(() => w.close());
  return w;
}

describe('request → delivered result', () => {
  it('queues, reports progress and delivers the stored result exactly once', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    await worker(config, noopRenderer({ steps: 4, stepMs: 20 }));

    const submitted = await jobs.submit(makeRequest(photoKey));
    expect(submitted.state).toBe('queued');
    const final = await log.waitForFinal(submitted.jobId);
    expect(final.type).toBe('completed');
    if (final.type !== 'completed') return;
    const png = await jobs.blobs.get(final.result.resultKey);
    expect((await sharp(png!).metadata()).format).toBe('png');
    expect(final.result.cached).toBe(false);

    // Status updates: the latest state wins, so steps may be skipped, but they only move forward
    // and none comes after the final event.
    const events = log.of(submitted.jobId);
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.map((p) => p.step)).toEqual([...progress.map((p) => p.step)].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ total: 4 });
    expect(events.at(-1)!.type).toBe('completed');
    // replyTo travels untouched
    expect(final.request.replyTo).toEqual({ channelId: 'c-1', interactionToken: 'secret' });

    await sweeps(jobs, 3); // three whole sweeps later, still delivered once
    expect(log.finals(submitted.jobId)).toHaveLength(1);
  });
});

describe('submission', () => {
  it('treats a double submission (same request id) as one job', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    const request = makeRequest(photoKey);
    const [a, b] = await Promise.all([jobs.submit(request), jobs.submit(request)]);
    expect(a.jobId).toBe(b.jobId);
    expect([a.state, b.state].sort()).toEqual(['duplicate', 'queued']);
    await worker(config);
    await log.waitForFinal(a.jobId);
    await sweeps(jobs, 2);
    expect(log.finals()).toHaveLength(1);
    expect(await jobs.queue.getJobCounts('completed')).toEqual({ completed: 1 });
  });

  it('refuses invalid requests and unknown presets before queueing', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config, { presets: { get: (id: string) => (id === 'the-scream' ? ({ id } as never) : undefined) } });
    const bad = { ...makeRequest(photoKey), content: { key: 'x', width: -1, height: 0 } };
    await expect(jobs.submit(bad as never)).rejects.toMatchObject({ name: 'JobRefused', code: 'invalid-request' });
    await expect(jobs.submit(makeRequest(photoKey, { style: { kind: 'preset', presetId: 'no-such-painting' } }))).rejects.toMatchObject({ code: 'unknown-preset' });
    expect(await jobs.queue.count()).toBe(0);
  });

  it('fails job data that is not a StyleRequest at once, without retrying', async () => {
    const config = r.config(FAST_TIMINGS);
    let renders = 0;
    await worker(config, { render: async (t, c) => (renders++, noopRenderer().render(t, c)) });
    // Someone else writes garbage into the queue, asking for 3 attempts.
    const raw = new Queue(QUEUE_NAME, { connection: { url: r.url }, prefix: r.prefix });
    closers.push(() => raw.close());
    const job = await raw.add('render', { v: 1, request: { requestId: 'x' } }, { attempts: 3, backoff: 10 });
    await waitFor(async () => (await raw.getJobState(job.id!)) === 'failed', 20_000, 'the invalid job to fail');
    const failed = (await raw.getJob(job.id!))!;
    expect(failed.failedReason).toMatch(/^invalid: /);
    expect(failed.attemptsMade).toBe(1);
    expect(renders).toBe(0);
  });

  it('retries a transient render failure with backoff, then delivers', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    let calls = 0;
    await worker(config, {
      async render(t, c) {
        calls += 1;
        if (calls === 1) throw new Error('GPU hiccup');
        return noopRenderer().render(t, c);
      },
    });
    const { jobId } = await jobs.submit(makeRequest(photoKey));
    const final = await log.waitForFinal(jobId, 30_000);
    expect(final.type).toBe('completed');
    expect(calls).toBe(2);
    expect((await jobs.queue.getJob(jobId))!.attemptsMade).toBe(2); // BullMQ counts the successful attempt too
  });
});

describe('priority, positions and limits', () => {
  it('orders fast renders before long ones, first come first served within a tier, and reports positions', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const order: Array<[string, 'fast' | 'draft' | 'balanced' | 'best']> = [
      ['a', 'balanced'], ['b', 'best'], ['c', 'fast'], ['d', 'balanced'], ['e', 'fast'],
    ];
    const ids: Record<string, string> = {};
    for (const [user, quality] of order) {
      const s = await jobs.submit(makeRequest(photoKey, { user: { id: user }, options: { quality, size: 64 } }));
      ids[user] = s.jobId;
      // No worker runs yet: the adapters tell the user the job waits for one.
      expect(s.workersOnline).toBe(0);
    }
    const positions: Record<string, number> = {};
    for (const user of Object.keys(ids)) positions[user] = (await jobs.position(ids[user]))!.position;
    expect(positions).toEqual({ c: 1, e: 2, a: 3, d: 4, b: 5 });
    // ETAs grow along the line
    const etas = await Promise.all(['c', 'e', 'a', 'd', 'b'].map(async (u) => (await jobs.position(ids[u]))!.etaMs!));
    expect([...etas].sort((x, y) => x - y)).toEqual(etas);

    const started: string[] = [];
    await worker(config, noopRenderer({ onStart: (t) => started.push(t.request.user.id) }));
    await waitFor(() => started.length === 5, 20_000, 'all five renders');
    expect(started).toEqual(['c', 'e', 'a', 'd', 'b']);
    await waitFor(async () => (await jobs.queue.getJobCounts('completed')).completed === 5, 10_000, 'completion');
    expect(await jobs.position(ids.b)).toBeNull();
  });

  it('tells a queued job how many render slots are live (0 = it waits for a worker)', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const started: string[] = [];
    await worker(config, noopRenderer({ steps: 30, stepMs: 100, onStart: (t) => started.push(t.request.user.id) }));
    await jobs.submit(makeRequest(photoKey, { user: { id: 'busy' }, options: { quality: 'fast', size: 64, seed: 1 } }));
    await waitFor(() => started.length === 1, 10_000, 'the first render to start');
    const second = await jobs.submit(makeRequest(photoKey, { user: { id: 'next' }, options: { quality: 'fast', size: 64, seed: 2 } }));
    expect(second).toMatchObject({ state: 'queued', position: 1, workersOnline: 1 });
  });

  it('limits each user to N jobs in flight, applies the cooldown and caps the waiting line', async () => {
    const config = r.config({ ...FAST_TIMINGS, EASEL_USER_MAX_JOBS: '2', EASEL_MAX_WAITING: '4' });
    const jobs = await client(config);
    let seed = 0; // distinct options: identical requests would be answered from the result cache
    const submitAs = (user: string) => jobs.submit(makeRequest(photoKey, { user: { id: user }, options: { quality: 'fast', size: 64, seed: seed++ } }));
    await submitAs('u1');
    await submitAs('u1');
    const third = submitAs('u1');
    await expect(third).rejects.toBeInstanceOf(JobRefused);
    await expect(third).rejects.toMatchObject({ code: 'user-limit' });
    // other users are not affected, until the line is full
    await submitAs('u2');
    await submitAs('u3');
    await expect(submitAs('u4')).rejects.toMatchObject({ code: 'queue-full', userMessage: expect.stringMatching(/try again in a few minutes/) });

    // Finished jobs free their slots.
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    await worker(config);
    await waitFor(() => log.finals().length === 4, 20_000, 'four deliveries');
    expect((await submitAs('u1')).state).toBe('queued');

    // Cooldown: a second request right after the first is refused with a retry time.
    const cool = r.config({ ...FAST_TIMINGS, EASEL_USER_COOLDOWN_S: '30' });
    const jobs2 = await client(cool);
    // (distinct seeds: the worker above may finish the first before the second is submitted, and an
    // identical request would then be answered from the result cache, which costs nothing and has no cooldown)
    await jobs2.submit(makeRequest(photoKey, { user: { id: 'c1' }, options: { quality: 'fast', size: 64, seed: 100 } }));
    const refused = await jobs2.submit(makeRequest(photoKey, { user: { id: 'c1' }, options: { quality: 'fast', size: 64, seed: 101 } })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'cooldown' });
    expect((refused as JobRefused).retryAfterMs).toBeGreaterThan(25_000);
  });
});

describe('cancellation', () => {
  it('removes a waiting job at once and tells its adapter; only the owner may cancel', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    const { jobId } = await jobs.submit(makeRequest(photoKey, { user: { id: 'owner' } }));
    expect(await jobs.cancel(jobId, 'someone-else')).toBe(false);
    expect(await jobs.cancel(jobId, 'owner')).toBe(true);
    const final = await log.waitForFinal(jobId);
    expect(final.type).toBe('cancelled');
    expect(await jobs.queue.getJob(jobId)).toBeUndefined();
    // Its slot is free again, and no worker renders it: a one-slot worker renders the owner's next
    // request, which the cancelled one would have preceded in line, and only that one.
    const rendered: string[] = [];
    await worker(config, { render: async (t, c) => (rendered.push(t.jobId), noopRenderer().render(t, c)) });
    const next = await jobs.submit(makeRequest(photoKey, { user: { id: 'owner' }, options: { quality: 'fast', size: 64, seed: 7 } }));
    expect((await log.waitForFinal(next.jobId)).type).toBe('completed');
    expect(rendered).toEqual([next.jobId]);
    expect(await jobs.cancel(jobId, 'owner')).toBe(false);
  });

  it('stops a running render at its next step', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    let lastStep = 0;
    let aborted = false;
    let renderEnded = false;
    const stepped = noopRenderer({ steps: 500, stepMs: 20 });
    await worker(config, {
      async render(t, c) {
        c.signal.addEventListener('abort', () => (aborted = true));
        try {
          return await stepped.render(t, { ...c, onProgress: (s) => ((lastStep = s.step), c.onProgress(s)) });
        } finally {
          renderEnded = true;
        }
      },
    });
    const { jobId } = await jobs.submit(makeRequest(photoKey, { user: { id: 'owner' } }));
    await waitFor(() => lastStep >= 3, 20_000, 'the render to be under way');
    expect(await jobs.cancel(jobId, 'owner')).toBe(true);
    const final = await log.waitForFinal(jobId);
    expect(final.type).toBe('cancelled');
    expect(aborted).toBe(true);
    expect(lastStep).toBeLessThan(500);
    // The render itself is over by the time the user is told (not merely reported cancelled while it
    // steps on in the background): no step can follow.
    expect(renderEnded).toBe(true);
    const job = (await jobs.queue.getJob(jobId))!;
    expect(job.attemptsMade).toBe(1); // not retried
    expect(log.finals(jobId)).toHaveLength(1);
  });
});

describe('result cache', () => {
  it('answers the same photo + style + options with the stored result at once', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    await worker(config);
    const first = await jobs.submit(makeRequest(photoKey, { user: { id: 'a' } }));
    const done = await log.waitForFinal(first.jobId);
    if (done.type !== 'completed') throw new Error('expected completed');

    const again = await jobs.submit(makeRequest(photoKey, { user: { id: 'b' } }));
    expect(again).toMatchObject({ state: 'cached', position: 0 });
    const cached = await log.waitForFinal(again.jobId);
    expect(cached.type).toBe('completed');
    if (cached.type === 'completed') expect(cached.result).toMatchObject({ resultKey: done.result.resultKey, cached: true });

    const other = await jobs.submit(makeRequest(photoKey, { user: { id: 'c' }, options: { quality: 'fast', size: 64, strength: 0.9 } }));
    expect(other.state).toBe('queued');
  });
});

describe('delivery across bot restarts', () => {
  it('delivers a job that finished while no bot was running, once, to the next bot', async () => {
    const config = r.config(FAST_TIMINGS);
    const bot1 = await client(config);
    const log1 = new EventLog();
    await bot1.subscribe('discord', log1.handler);
    let step = 0;
    await worker(config, (() => {
      const stepped = noopRenderer({ steps: 30, stepMs: 20 });
      return { render: (t, c) => stepped.render(t, { ...c, onProgress: (s) => ((step = s.step), c.onProgress(s)) }) } as Renderer;
    })());
    const { jobId } = await bot1.submit(makeRequest(photoKey));
    await waitFor(() => step >= 2, 20_000, 'the render to start');
    await bot1.close(); // the bot goes down mid-render
    const raw = new Queue(QUEUE_NAME, { connection: { url: r.url }, prefix: r.prefix });
    closers.push(() => raw.close());
    await waitFor(async () => (await raw.getJobState(jobId)) === 'completed', 20_000, 'the job to complete');
    expect(log1.finals()).toHaveLength(0);

    const log2 = new EventLog();
    const bot2 = await client(config);
    await bot2.subscribe('discord', log2.handler);
    const final = await log2.waitForFinal(jobId);
    expect(final.type).toBe('completed');
    // A second bot process (or a restart) later does not deliver it again.
    const log3 = new EventLog();
    const bot3 = await client(config);
    await bot3.subscribe('discord', log3.handler);
    await Promise.all([sweeps(bot2, 2), sweeps(bot3, 2)]);
    expect(log2.finals(jobId)).toHaveLength(1);
    expect(log3.finals(jobId)).toHaveLength(0);
  });

  it('retries a delivery whose adapter failed, and only marks it delivered once it succeeded', async () => {
    const config = r.config(FAST_TIMINGS);
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    await worker(config);
    const request = makeRequest(photoKey);
    const jobId = jobIdFor(request);
    log.failFor.add(jobId);
    await jobs.submit(request);
    await waitFor(async () => Number(await r.redis.get(`${r.prefix}:delivery-failures:${jobId}`)) >= 2, 20_000, 'two failed deliveries');
    expect(log.finals(jobId)).toHaveLength(0);
    log.failFor.delete(jobId);
    await log.waitForFinal(jobId);
    await waitFor(async () => !(await r.redis.hexists(`${r.prefix}:pending:discord`, jobId)), 10_000, 'the delivery to be recorded');
    await sweeps(jobs, 2);
    expect(log.finals(jobId)).toHaveLength(1);
  });
});

describe('worker shutdown', () => {
  it('hands a running job back on close after the grace period; another worker finishes it', async () => {
    const config = r.config(FAST_TIMINGS); // grace 500 ms
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    let step = 0;
    const slow = noopRenderer({ steps: 400, stepMs: 20 });
    const w1 = await startWorker(config, { renderer: { render: (t, c) => slow.render(t, { ...c, onProgress: (s) => ((step = s.step), c.onProgress(s)) }) }, progressIntervalMs: 0 }, silentLogger);
    const { jobId } = await jobs.submit(makeRequest(photoKey));
    await waitFor(() => step >= 2, 20_000, 'the render to start');
    await w1.close();
    expect(await jobs.queue.getJobState(jobId)).toMatch(/waiting|prioritized/);
    expect(log.finals(jobId)).toHaveLength(0);

    await worker(config, noopRenderer());
    const final = await log.waitForFinal(jobId);
    expect(final.type).toBe('completed');
    expect((await jobs.queue.getJob(jobId))!.attemptsMade).toBe(1); // only the finishing attempt: handing back spends none
  });
});

describe('many users, two workers (stepped no-op renderer)', () => {
  it('delivers 50 jobs from 10 users exactly once, never more than 2 in flight per user', async () => {
    const config = r.config({ ...FAST_TIMINGS, EASEL_USER_MAX_JOBS: '2', EASEL_MAX_WAITING: '100' });
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    const perUserStarts = new Map<string, number>();
    const stepped = noopRenderer({ steps: 3, stepMs: 10 });
    const renderer: Renderer = {
      render: (t, c) => (perUserStarts.set(t.request.user.id, (perUserStarts.get(t.request.user.id) ?? 0) + 1), stepped.render(t, c)),
    };
    await worker(config, renderer);
    await worker(config, renderer);

    const users = Array.from({ length: 10 }, (_, i) => `user-${i}`);
    const mine = new Map<string, Set<string>>(users.map((u) => [u, new Set()]));
    let refusals = 0;
    const positions: number[] = [];

    // The limit, observed from the queue itself: sample every unfinished job's owner while the run goes.
    const maxUnfinished = new Map<string, number>();
    let sampling = true;
    const monitor = (async () => {
      while (sampling) {
        const unfinished = await jobs.queue.getJobs(['wait', 'prioritized', 'active', 'delayed']);
        const count = new Map<string, number>();
        for (const j of unfinished) if (j) count.set(j.data.request.user.id, (count.get(j.data.request.user.id) ?? 0) + 1);
        for (const [u, n] of count) maxUnfinished.set(u, Math.max(maxUnfinished.get(u) ?? 0, n));
        await sleep(15);
      }
    })();

    await Promise.all(
      users.map(async (user) => {
        for (let n = 0; n < 5; ) {
          try {
            const s = await jobs.submit(makeRequest(photoKey, { user: { id: user }, options: { quality: 'fast', size: 64, seed: n } }));
            expect(s.state).toBe('queued');
            positions.push(s.position);
            mine.get(user)!.add(s.jobId);
            n += 1;
          } catch (err) {
            expect(err).toMatchObject({ code: 'user-limit' });
            refusals += 1;
            await sleep(20);
          }
        }
      }),
    );
    await waitFor(() => log.finals().length >= 50, 60_000, '50 deliveries');
    sampling = false;
    await monitor;
    await sweeps(jobs, 3); // three more whole sweeps: nothing is delivered twice

    const finals = log.finals();
    expect(finals).toHaveLength(50);
    expect(new Set(finals.map((e) => e.jobId)).size).toBe(50);
    expect(finals.every((e) => e.type === 'completed')).toBe(true);
    for (const u of users) {
      expect(perUserStarts.get(u)).toBe(5); // rendered once each
      expect(finals.filter((e) => e.request.user.id === u).map((e) => e.jobId).sort()).toEqual([...mine.get(u)!].sort());
      expect(maxUnfinished.get(u) ?? 0).toBeLessThanOrEqual(2);
    }
    expect(Math.max(...maxUnfinished.values())).toBe(2); // the limit was reached…
    expect(refusals).toBeGreaterThan(0); // …and enforced
    // Positions are places in a line of at most 10 users × 2 jobs.
    expect(positions.every((p) => p >= 0 && p <= 20)).toBe(true);
  });
});

describe('queue benchmark', () => {
  it('runs every job through the real queue and cleans up after itself', async () => {
    const { benchQueue } = await import('../../bench/queue.ts');
    const result = await benchQueue({ jobs: 12, workers: 2, redisUrl: r.url });
    expect(result.latency.jobs).toBe(12);
    expect(result.throughput.jobs).toBe(12);
    for (const s of [result.latency.submitMs, result.latency.enqueueToStartMs, result.latency.startToDeliveryMs, result.latency.totalMs]) {
      expect(s.p50).toBeGreaterThan(0);
      expect(s.p50).toBeLessThanOrEqual(s.max);
    }
    // the parts add up: enqueue→delivery is enqueue→start plus start→delivery
    expect(result.latency.totalMs.mean).toBeCloseTo(result.latency.enqueueToStartMs.mean + result.latency.startToDeliveryMs.mean, 0);
    const leftovers = await r.redis.keys('easel-bench-*');
    expect(leftovers.filter((k) => k.includes(`easel-bench-${process.pid}-`))).toEqual([]);
  });
});
