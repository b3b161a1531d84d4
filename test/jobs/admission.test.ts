/**
 * Admission against the real Redis: every limit is taken before the intake downloads anything,
 * in one atomic reservation, and none can be stepped around — not through the result cache, not
 * from another workspace with the same user id, not by one community filling the line. Pending
 * uploads expire within minutes and have a byte budget.
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient, type EaselJobsClient } from '../../src/jobs/client.ts';
import { noopRenderer } from '../../src/jobs/render.ts';
import { DuplicateRequest, JobRefused } from '../../src/jobs/types.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest } from './harness.ts';

let r: TestRedis;
let closers: (() => Promise<void>)[];

beforeEach(async () => {
  r = await testRedis('admission');
  closers = [];
});
afterEach(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await r.cleanup();
});

const BASE = { EASEL_USER_COOLDOWN_S: '0', EASEL_JOB_LOCK_MS: '2000', EASEL_STALLED_INTERVAL_MS: '1000', EASEL_SHUTDOWN_GRACE_MS: '500' };

async function client(config: Config): Promise<EaselJobsClient> {
  const c = await createJobsClient(config, silentLogger, { sweepMs: 200 });
  closers.push(() => c.close());
  return c;
}

async function photo(jobs: EaselJobsClient, shade = 120): Promise<string> {
  return jobs.blobs.put(await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: shade, b: 40 } } }).png().toBuffer());
}

const refusal = (p: Promise<unknown>) => p.then(() => 'admitted', (e) => (e instanceof JobRefused ? e.code : e instanceof DuplicateRequest ? 'duplicate' : `other: ${e}`));

describe('admission', () => {
  it('the cooldown and the per-user cap hold through the result cache', async () => {
    const config = r.config({ ...BASE, EASEL_USER_COOLDOWN_S: '30' });
    const jobs = await client(config);
    const log = new EventLog();
    await jobs.subscribe('discord', log.handler);
    const w = await startWorker(config, { renderer: noopRenderer(), progressIntervalMs: 0 }, silentLogger);
    closers.push(() => w.close());
    const key = await photo(jobs);
    // Someone renders the photo: its result is now cached.
    const first = await jobs.submit(makeRequest(key, { user: { id: 'painter' } }));
    expect((await log.waitForFinal(first.jobId)).type).toBe('completed');
    // The same request from a user in cooldown is refused, although the cache could answer it.
    const ada = { platform: 'discord' as const, server: 'G1', userId: 'ada' };
    await jobs.admit(ada, 'ada-1');
    expect(await refusal(jobs.submit(makeRequest(key, { user: { id: 'ada' }, server: 'G1' })))).toBe('cooldown');
    // A cache hit spends the cooldown like any request.
    const hit = await jobs.submit(makeRequest(key, { user: { id: 'bob' } }));
    expect(hit.state).toBe('cached');
    expect(await refusal(jobs.submit(makeRequest(key, { user: { id: 'bob' } })))).toBe('cooldown');
  });

  it('a user at the cap gets no cache hit either; two workspaces with the same user id have separate limits and jobs', async () => {
    const config = r.config({ ...BASE, EASEL_USER_MAX_JOBS: '1' });
    const jobs = await client(config);
    const key = await photo(jobs);
    const inA = { platform: 'slack' as const, server: 'TA', userId: 'U1' };
    const inB = { platform: 'slack' as const, server: 'TB', userId: 'U1' };
    const a = await jobs.submit(makeRequest(key, { platform: 'slack', user: { id: 'U1' }, server: 'TA', options: { seed: 1 } }));
    expect(a.state).toBe('queued');
    expect(await refusal(jobs.admit(inA, 'again-a'))).toBe('user-limit');
    // U1 of workspace B is someone else: not limited by A's U1…
    const b = await jobs.submit(makeRequest(key, { platform: 'slack', user: { id: 'U1' }, server: 'TB', options: { seed: 2 } }));
    expect(b.state).toBe('queued');
    expect(await refusal(jobs.admit(inB, 'again-b'))).toBe('user-limit');
    // …and may not cancel A's U1's job; A's U1 may.
    expect(await jobs.cancel(a.jobId, 'U1', 'TB')).toBe(false);
    expect(await jobs.cancel(a.jobId, 'U1')).toBe(false);
    expect(await jobs.cancel(a.jobId, 'U1', 'TA')).toBe(true);
  });

  it('one server cannot fill the line: EASEL_SERVER_MAX_WAITING, then the global EASEL_MAX_WAITING', async () => {
    const config = r.config({ ...BASE, EASEL_SERVER_MAX_WAITING: '2', EASEL_MAX_WAITING: '3' });
    const jobs = await client(config);
    const who = (server: string, userId: string) => ({ platform: 'discord' as const, server, userId });
    const a = await jobs.admit(who('G1', 'a'), 'r1');
    await jobs.admit(who('G1', 'b'), 'r2');
    expect(await refusal(jobs.admit(who('G1', 'c'), 'r3'))).toBe('server-limit');
    await jobs.admit(who('G2', 'd'), 'r4');
    // Three admitted (not yet in the queue) count against the global cap too.
    expect(await refusal(jobs.admit(who('G3', 'e'), 'r5'))).toBe('queue-full');
    // The same request id again (a retried event) is a duplicate, not a second reservation.
    expect(await refusal(jobs.admit(who('G2', 'd'), 'r4'))).toBe('duplicate');
    // A released reservation (the intake failed) frees its slots at once.
    await jobs.release(a);
    expect(await refusal(jobs.admit(who('G1', 'c'), 'r3'))).toBe('admitted');
  });

  it('races: of many simultaneous requests from one user, exactly the cap gets in', async () => {
    const config = r.config({ ...BASE, EASEL_USER_MAX_JOBS: '2' });
    const jobs = await client(config);
    const who = { platform: 'slack' as const, server: 'T1', userId: 'racer' };
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => refusal(jobs.admit(who, `race-${i}`))));
    expect(results.filter((x) => x === 'admitted')).toHaveLength(2);
    expect(results.filter((x) => x === 'user-limit')).toHaveLength(10);
  });

  it('pending uploads: a short TTL until submitted, and a byte budget', async () => {
    const config = r.config({ ...BASE, EASEL_PENDING_BLOB_TTL_S: '60', EASEL_PENDING_BLOB_BUDGET_BYTES: '3000', EASEL_BLOB_TTL_S: '86400' });
    const jobs = await client(config);
    const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);
    const k1 = await jobs.blobs.putPending(bytes(1200, 1));
    const k2 = await jobs.blobs.putPending(bytes(1200, 2));
    expect(k1 && k2).toBeTruthy();
    expect(await r.redis.ttl(`${r.prefix}:blob:${k1}`)).toBeLessThanOrEqual(60);
    // Over the budget: refused, nothing stored.
    expect(await jobs.blobs.putPending(bytes(1200, 3))).toBeUndefined();
    expect(await r.redis.exists(`${r.prefix}:blob:${(await import('../../src/jobs/blobs.ts')).blobKeyOf(bytes(1200, 3))}`)).toBe(0);
    // Submitting a job with it gives the full TTL and frees the budget.
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#333' } }).png().toBuffer();
    await r.redis.del(`${r.prefix}:blob:${k2}`); // an expired upload stops counting
    const k5 = await jobs.blobs.putPending(png);
    expect(k5).toBeTruthy();
    await jobs.submit(makeRequest(k5!, { user: { id: 'p' } }));
    expect(await r.redis.ttl(`${r.prefix}:blob:${k5}`)).toBeGreaterThan(3600);
    const pending = await r.redis.zrange(`${r.prefix}:pending-blobs`, 0, '-1');
    expect(pending).toContain(k1);
    expect(pending).not.toContain(k5);
  });

  it('a discarded pending upload frees its budget, but never bytes another request or a job still holds', async () => {
    const config = r.config({ ...BASE, EASEL_PENDING_BLOB_TTL_S: '60', EASEL_PENDING_BLOB_BUDGET_BYTES: '3000', EASEL_BLOB_TTL_S: '86400' });
    const jobs = await client(config);
    const blob = (key: string) => r.redis.exists(`${r.prefix}:blob:${key}`);
    const pending = () => r.redis.zrange(`${r.prefix}:pending-blobs`, 0, '-1');
    // One holder: gone, and the budget is free for a request that would not have fitted.
    const alone = (await jobs.blobs.putPending(Buffer.alloc(2000, 1)))!;
    expect(await jobs.blobs.putPending(Buffer.alloc(2000, 2))).toBeUndefined();
    await jobs.blobs.discardPending(alone);
    expect([await blob(alone), await pending()]).toEqual([0, []]);
    const next = (await jobs.blobs.putPending(Buffer.alloc(2000, 2)))!;
    expect(next).toBeTruthy();
    await jobs.blobs.discardPending(next);
    // The same photo held by two requests at once: the first to give it back leaves it to the other.
    const shared = Buffer.alloc(1000, 3);
    const [a, b] = [(await jobs.blobs.putPending(shared))!, (await jobs.blobs.putPending(shared))!];
    expect(a).toBe(b);
    await jobs.blobs.discardPending(a);
    expect([await blob(a), await pending()]).toEqual([1, [a]]);
    await jobs.blobs.discardPending(b);
    expect([await blob(a), await pending()]).toEqual([0, []]);
    // Committed by a job meanwhile: the bytes stay (with the job's TTL).
    const png = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#456' } }).png().toBuffer();
    const [c1, c2] = [(await jobs.blobs.putPending(png))!, (await jobs.blobs.putPending(png))!];
    await jobs.submit(makeRequest(c1, { user: { id: 'keeper' } }));
    await jobs.blobs.discardPending(c2);
    expect(await blob(c1)).toBe(1);
    expect(await r.redis.ttl(`${r.prefix}:blob:${c1}`)).toBeGreaterThan(3600);
    // A job's blob uploaded again and then given back: still the job's.
    const again = (await jobs.blobs.putPending(png))!;
    await jobs.blobs.discardPending(again);
    expect([await blob(c1), await pending()]).toEqual([1, []]);
  });
});
