/**
 * Status updates through the jobs layer, against the real Redis and BullMQ (no worker: the jobs
 * wait in line, so only the statuses published here reach the handlers). Two jobs clients stand for
 * two bot processes.
 *
 *   - a burst from both processes: shown by one process only, one at a time, each edit starting at
 *     least the interval after the previous one ended, ending on the newest state
 *   - a status refused with Retry-After: shown again after that wait, with the newest state
 *   - an older kind never replaces a newer one (a late "queued at 3" after "painting")
 *   - nothing is shown while the final event is being delivered, nor after it
 */
import { Queue } from 'bullmq';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient, type EaselJobsClient } from '../../src/jobs/client.ts';
import { statusQueueName } from '../../src/jobs/keys.ts';
import { RetryAfter, type JobEvent, type JobEventHandler } from '../../src/jobs/types.ts';
import { testRedis, type TestRedis } from '../helpers/redis.ts';
import { makeRequest, sleep, waitFor } from './harness.ts';

const INTERVAL_MS = 200;

let r: TestRedis;
let closers: (() => Promise<void>)[];
let photoKey: string;

beforeEach(async () => {
  r = await testRedis('status');
  closers = [];
});
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await r.cleanup();
});

function config(): Config {
  return r.config({ EASEL_USER_COOLDOWN_S: '0', EASEL_USER_MAX_JOBS: '20', EASEL_EDIT_INTERVAL_MS: String(INTERVAL_MS), EASEL_STATUS_LOCK_MS: '1000' });
}

async function bot(c: Config, handler: JobEventHandler): Promise<EaselJobsClient> {
  const jobs = await createJobsClient(c, silentLogger, { sweepMs: 100 });
  closers.push(() => jobs.close());
  photoKey = await jobs.blobs.put(await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 9, g: 99, b: 199 } } }).png().toBuffer());
  await jobs.subscribe('discord', handler);
  return jobs;
}

interface Shown {
  by: string;
  event: JobEvent;
  start: number;
  end: number;
}

/** A handler that records what it shows (and when), taking `editMs` per edit. */
function recorder(by: string, shown: Shown[], editMs = 20): JobEventHandler {
  return async (event) => {
    if (event.type !== 'progress' && event.type !== 'queued' && event.type !== 'active') return;
    const start = Date.now();
    await sleep(editMs);
    shown.push({ by, event, start, end: Date.now() });
  };
}

/**
 * Wait until Discord's status queue holds no update (none waiting, running or put back for later):
 * from then on nothing more can be shown until something is published again. Observed in Redis,
 * so "nothing more comes" needs no sleep.
 */
async function statusQueueIdle(): Promise<void> {
  const queue = new Queue(statusQueueName('discord'), { connection: { url: r.url }, prefix: r.prefix });
  try {
    await waitFor(async () => Object.values(await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children')).every((n) => n === 0), 10_000, 'the status queue to be idle');
  } finally {
    await queue.close();
  }
}

const percentOf = (s: Shown) => (s.event.type === 'progress' ? s.event.progress.percent : -1);
const progress = (percent: number) => ({ type: 'progress' as const, progress: { step: percent, total: 100, stage: 'painting', percent } });

describe('status updates: one editor per job', () => {
  it('a burst from two processes is shown by one, one edit at a time, the interval apart, ending on the newest', async () => {
    const c = config();
    const shown: Shown[] = [];
    const a = await bot(c, recorder('a', shown));
    const b = await bot(c, recorder('b', shown));
    const { jobId } = await a.submit(makeRequest(photoKey));
    const burstStart = Date.now();
    for (let p = 1; p <= 40; p++) {
      await (p % 2 ? a : b).showStatus(jobId, progress(p));
      await sleep(10);
    }
    const burstMs = Date.now() - burstStart;
    await waitFor(() => shown.some((s) => percentOf(s) === 40), 10_000, 'the newest state');
    await statusQueueIdle(); // nothing more comes
    const mine = shown.filter((s) => s.event.jobId === jobId);
    expect(new Set(mine.map((s) => s.by)).size).toBe(1);
    expect(percentOf(mine.at(-1)!)).toBe(40);
    // 40 updates over the burst: at most one edit per interval (+ the first and the last), not 40.
    expect(mine.length).toBeLessThanOrEqual(Math.ceil(burstMs / INTERVAL_MS) + 2);
    expect(mine.length).toBeLessThan(40);
    for (let i = 1; i < mine.length; i++) {
      expect(mine[i].start - mine[i - 1].end).toBeGreaterThanOrEqual(INTERVAL_MS - 2);
      expect(percentOf(mine[i])).toBeGreaterThan(percentOf(mine[i - 1]));
    }
  });

  it('a status refused with Retry-After is shown after that wait, with the newest state', async () => {
    const c = config();
    const shown: Shown[] = [];
    let refusedAt = 0;
    const record = recorder('a', shown, 0);
    await bot(c, async (event) => {
      if (!refusedAt && event.type === 'progress') {
        refusedAt = Date.now();
        throw new RetryAfter(600);
      }
      await record(event);
    });
    const jobs = await bot(c, recorder('b', shown));
    const { jobId } = await jobs.submit(makeRequest(photoKey));
    await jobs.showStatus(jobId, progress(10));
    await waitFor(() => refusedAt > 0, 5_000, 'the refused edit');
    await jobs.showStatus(jobId, progress(20));
    await waitFor(() => shown.some((s) => s.event.jobId === jobId), 5_000, 'the edit after the wait');
    const [first] = shown.filter((s) => s.event.jobId === jobId);
    expect(percentOf(first)).toBe(20);
    expect(first.start - refusedAt).toBeGreaterThanOrEqual(600 - 2);
  });

  it('an older kind never replaces a newer one: a late "queued at 3" after "painting" is not shown', async () => {
    const c = config();
    const shown: Shown[] = [];
    const jobs = await bot(c, recorder('a', shown));
    const { jobId } = await jobs.submit(makeRequest(photoKey));
    await jobs.showStatus(jobId, { type: 'active' });
    await waitFor(() => shown.some((s) => s.event.jobId === jobId), 5_000, 'painting');
    await jobs.showStatus(jobId, { type: 'queued', position: 3 });
    await statusQueueIdle();
    expect(shown.filter((s) => s.event.jobId === jobId).map((s) => s.event.type)).toEqual(['active']);
  });

  it('nothing is shown while the final event is being delivered, nor after it', async () => {
    const c = config();
    const shown: Shown[] = [];
    let finalStarted = 0;
    let finalEnded = 0;
    let releaseFinal!: () => void;
    const record = recorder('a', shown);
    const jobs = await bot(c, async (event) => {
      if (event.type === 'cancelled') {
        finalStarted = Date.now();
        await new Promise<void>((resolve) => (releaseFinal = resolve));
        finalEnded = Date.now();
        return;
      }
      await record(event);
    });
    const request = makeRequest(photoKey);
    const { jobId } = await jobs.submit(request);
    await jobs.showStatus(jobId, progress(5));
    await waitFor(() => shown.some((s) => s.event.jobId === jobId), 5_000, 'the first status');
    expect(await jobs.cancel(jobId, request.user.id, request.server)).toBe(true);
    await waitFor(() => finalStarted > 0, 5_000, 'the final delivery to start');
    for (let p = 6; p <= 9; p++) await jobs.showStatus(jobId, progress(p));
    await statusQueueIdle(); // the updates ran while the final was under way, and showed nothing
    releaseFinal();
    await waitFor(() => finalEnded > 0, 5_000, 'the final delivery to end');
    await jobs.showStatus(jobId, progress(10));
    await statusQueueIdle();
    expect(shown.filter((s) => s.event.jobId === jobId).map(percentOf)).toEqual([5]);
  });
});
