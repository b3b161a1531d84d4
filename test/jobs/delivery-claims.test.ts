/**
 * The jobs layer's delivery claims against the real Redis (no-op renderer): a claim outlives a slow
 * handler because it is renewed; the sweep is parallel with a per-attempt deadline; after the last
 * attempt the user gets the "undeliverable" notice and the metric counts it; a job that vanished
 * from Redis (restart without persistence) is reported lost to its user.
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient, type EaselJobsClient, type JobsClientOptions } from '../../src/jobs/client.ts';
import { Delivery } from '../../src/jobs/delivery/index.ts';
import { keys } from '../../src/jobs/keys.ts';
import type { RenderQueue } from '../../src/jobs/queue.ts';
import { jobIdFor } from '../../src/jobs/job-data.ts';
import { noopRenderer } from '../../src/jobs/render.ts';
import type { JobEvent } from '../../src/jobs/types.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { createMetrics } from '../../src/ops/metrics.ts';
import { testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest, sweeps, waitFor } from './harness.ts';
import { WORDING } from '../../src/requests/wording.ts';

let r: TestRedis;
let closers: (() => Promise<void>)[];
let photoKey: string;

beforeEach(async () => {
  r = await testRedis('claims');
  closers = [];
});
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await r.cleanup();
});

const TIMINGS = { EASEL_USER_COOLDOWN_S: '0', EASEL_USER_MAX_JOBS: '20', EASEL_JOB_LOCK_MS: '2000', EASEL_STALLED_INTERVAL_MS: '1000', EASEL_SHUTDOWN_GRACE_MS: '500' };

async function client(config: Config, opts: JobsClientOptions = {}): Promise<EaselJobsClient> {
  const c = await createJobsClient(config, silentLogger, { sweepMs: 100, ...opts });
  closers.push(() => c.close());
  photoKey = await c.blobs.put(await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 20, g: 120, b: 40 } } }).png().toBuffer());
  return c;
}

async function worker(config: Config): Promise<void> {
  const w = await startWorker(config, { renderer: noopRenderer(), progressIntervalMs: 0 }, silentLogger);
  closers.push(() => w.close());
}

describe('fenced delivery claims', () => {
  it('a handler slower than the claim is not delivered again by another bot: the claim is renewed while it runs', async () => {
    const config = r.config(TIMINGS);
    // Two bot processes, claims of 300 ms, a handler that runs until its claim was renewed 12 times
    // (four claim lifetimes): observed on Redis, not slept.
    // Meanwhile the editor role passes from a to b (as when a's event loop stalls past its lease), so
    // b sweeps too while a still posts: only the renewed claim keeps b from posting again.
    const a = await client(config, { claimMs: 300, statusLockMs: 300 });
    const b = await client(config, { claimMs: 300, statusLockMs: 300 });
    const calls: string[] = [];
    const slow = (who: string) => async (e: JobEvent) => {
      if (e.type !== 'completed') return;
      calls.push(who);
      await r.redis.del(`${r.prefix}:editor:discord`);
      await waitFor(async () => (await r.redis.get(`${r.prefix}:editor:discord`)) !== null, 5_000, 'another process to take the editor role');
      const claim = `${r.prefix}:delivering:${e.jobId}`;
      let renewals = 0;
      let last = await r.redis.pttl(claim);
      await waitFor(
        async () => {
          const left = await r.redis.pttl(claim);
          if (left > last) renewals += 1;
          last = left;
          return renewals >= 12;
        },
        20_000,
        'twelve renewals of the claim',
        10,
      );
    };
    await a.subscribe('discord', slow('a'));
    await b.subscribe('discord', slow('b'));
    await worker(config);
    const { jobId } = await a.submit(makeRequest(photoKey));
    await waitFor(async () => !(await r.redis.hexists(`${r.prefix}:pending:discord`, jobId)), 20_000, 'the delivery to be recorded');
    await Promise.all([sweeps(a, 2), sweeps(b, 2)]);
    expect(calls).toHaveLength(1);
    expect(await r.redis.exists(`${r.prefix}:delivered:${jobId}`)).toBe(1);
    expect(await r.redis.exists(`${r.prefix}:delivering:${jobId}`)).toBe(0);
  });

  it('one hung handler holds up no other delivery (parallel sweep), and its attempt ends at the deadline', async () => {
    const config = r.config(TIMINGS);
    const jobs = await client(config, { deadlineMs: 800, claimMs: 300, maxAttempts: 3 });
    const hung = makeRequest('x'.repeat(8), { user: { id: 'hung', name: 'H' } });
    const hungId = jobIdFor(hung);
    const delivered: string[] = [];
    let hungCalls = 0;
    await jobs.subscribe('discord', async (e) => {
      if (e.type !== 'completed') return;
      if (e.jobId === hungId) {
        hungCalls += 1;
        return new Promise<void>(() => undefined); // never settles: a platform call without a timeout
      }
      delivered.push(e.jobId);
    });
    await worker(config);
    await jobs.submit({ ...hung, content: { ...hung.content, key: photoKey } });
    const others: string[] = [];
    for (let i = 0; i < 5; i++) others.push((await jobs.submit(makeRequest(photoKey, { user: { id: `u${i}`, name: 'U' } }))).jobId);
    await waitFor(() => others.every((id) => delivered.includes(id)), 20_000, 'the other five deliveries');
    // The hung attempt was abandoned at its deadline and tried again later (attempts are counted).
    await waitFor(async () => Number(await r.redis.get(`${r.prefix}:delivery-failures:${hungId}`)) >= 1, 20_000, 'the deadline to count a failure');
    expect(hungCalls).toBeGreaterThanOrEqual(1);
    expect(new Set(delivered).size).toBe(delivered.length);
  });

  it('after the last failed attempt the user gets the undeliverable notice and easel_delivery_failed_total counts it', async () => {
    const config = r.config(TIMINGS);
    const metrics = createMetrics({ defaultMetrics: false });
    const jobs = await client(config, { maxAttempts: 3, metrics });
    const log = new EventLog();
    const request = makeRequest(photoKey);
    const jobId = jobIdFor(request);
    // The platform refuses the result every time, but takes a text notice.
    await jobs.subscribe('discord', async (e) => {
      if (e.type === 'completed') throw new Error('upload refused: 500');
      await log.handler(e);
    });
    await worker(config);
    await jobs.submit(request);
    const final = await log.waitForFinal(jobId, 20_000);
    expect(final).toMatchObject({ type: 'failed', userMessage: WORDING.undeliverable });
    await waitFor(async () => !(await r.redis.hexists(`${r.prefix}:pending:discord`, jobId)), 10_000, 'the notice to be recorded');
    await sweeps(jobs, 2);
    expect(log.finals(jobId)).toHaveLength(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/easel_delivery_failed_total\{platform="discord",reason="undeliverable"\} 1/);
    expect(await r.redis.hexists(`${r.prefix}:pending:discord`, jobId)).toBe(0);
  });

  it('a job gone from Redis (restart without persistence) is reported lost to its user by the bot that waits for it', async () => {
    const config = r.config(TIMINGS);
    const metrics = createMetrics({ defaultMetrics: false });
    const jobs = await client(config, { metrics });
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    // No worker: the job waits. Then Redis loses everything under this prefix.
    const { jobId } = await jobs.submit(makeRequest(photoKey));
    await sweeps(jobs, 1); // a sweep saw it waiting
    const keys = await r.keys();
    await r.redis.del(...keys);
    const final = await log.waitForFinal(jobId, 10_000);
    expect(final).toMatchObject({ type: 'failed', userMessage: WORDING.lost });
    // As many sweeps as it takes to call a job lost, and one more: it is not told twice.
    await sweeps(jobs, config.delivery.lostAfterSweeps + 1);
    expect(log.finals(jobId)).toHaveLength(1);
    expect(await metrics.registry.metrics()).toMatch(/easel_delivery_failed_total\{platform="discord",reason="lost"\} 1/);
  });

  it('a job another bot delivered is not reported lost', async () => {
    const config = r.config(TIMINGS);
    // The other bot subscribes first: it holds the editor role and delivers.
    const other = await client(config, { maxAttempts: 50 });
    const log = new EventLog();
    await other.subscribe('discord', log.handler);
    // The submitter stands by; it remembers the job it submitted, and must not call it lost.
    const submitter = await client(config, { maxAttempts: 50 });
    const submitterEvents = new EventLog();
    await submitter.subscribe('discord', submitterEvents.handler);
    await worker(config);
    const { jobId } = await submitter.submit(makeRequest(photoKey));
    await waitFor(() => log.final(jobId) !== undefined, 20_000, 'the other bot to deliver');
    // More sweeps of the submitter (which still remembers the job) than it takes to call a job lost.
    await sweeps(submitter, config.delivery.lostAfterSweeps + 1);
    expect(log.finals(jobId)).toHaveLength(1);
    expect(log.final(jobId)!.type).toBe('completed');
    expect(submitterEvents.finals(jobId)).toHaveLength(0);
  });

  it('a bookkeeping error after a successful post is retried on its own: the post is not repeated', async () => {
    // Redis refuses the bookkeeping script twice (a failover, say), then recovers.
    let refusals = 2;
    const real = r.redis;
    const flaky = new Proxy(real, {
      get(target, prop) {
        if (prop === 'eval') {
          return (script: string, ...args: unknown[]) => {
            if (script.includes("'HDEL'") && refusals-- > 0) return Promise.reject(new Error('READONLY You can\'t write against a read only replica.'));
            return (target.eval as (...a: unknown[]) => Promise<unknown>)(script, ...args);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const config = r.config(TIMINGS);
    const claims = new Delivery({
      redis: flaky,
      keys: keys(r.prefix),
      queue: {} as RenderQueue,
      log: silentLogger,
      config: { ...config.delivery, sweepMs: 50, claimMs: 300 },
      bull: { config, prefix: r.prefix },
      position: async () => null,
    });
    closers.push(() => claims.close());
    const request = makeRequest('cached-result-key');
    const jobId = jobIdFor(request);
    await claims.register(jobId, request);
    // A result that needs no worker (as a cache hit records it).
    await claims.recordOutcome(jobId, { type: 'completed', result: { resultKey: 'k'.repeat(8), width: 8, height: 8, engine: 'none', backend: 'none', iterations: 0, renderMs: 1, styleLabel: 'x', cached: true } });
    const posts: string[] = [];
    await claims.subscribe('discord', async (e) => void posts.push(e.type));
    await waitFor(async () => !(await r.redis.hexists(`${r.prefix}:pending:discord`, jobId)), 10_000, 'the bookkeeping to succeed');
    // The first attempt's claim lapses (its bookkeeping failed, so nobody released it); then two
    // whole sweeps, which could claim the job again if the post were repeated.
    await waitFor(async () => (await r.redis.exists(`${r.prefix}:delivering:${jobId}`)) === 0, 10_000, 'the first claim to lapse');
    await sweeps(claims, 2);
    expect(refusals).toBeLessThan(0);
    expect(posts).toEqual(['completed']);
    expect(await r.redis.exists(`${r.prefix}:delivered:${jobId}`)).toBe(1);
  });
});
