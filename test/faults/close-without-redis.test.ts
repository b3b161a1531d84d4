/**
 * Closing while Redis is away. BullMQ's close() waits on its connections and, with Redis gone (a
 * restart, a failover in progress), never returns. What must not wait for it for ever:
 *
 *   - a render worker's shutdown (SIGTERM): closes within its grace periods, Redis or not
 *   - a bot's shutdown, which closes its status worker (the editor role) and its queues
 *
 * and, as a guard on the hand-over the first two protect, a process whose editor role lapsed while
 * Redis restarted empty takes it again (a status-worker close that never returned would leave the
 * platform with no editor: the likeliest reading of a CI run where, after a Sentinel crash failover,
 * the role lapsed and no result was delivered in 180 s). The first two time out without closeWithin
 * (jobs/redis.ts); the third passes either way here, its hang having needed the failover's timing.
 *
 * All against a real redis-server of the test's own, stopped mid-way, and real BullMQ workers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient } from '../../src/jobs/client.ts';
import { baseEnv, PrivateRedis, startEngineWorker } from './harness.ts';
import { loadConfig } from '../../src/config.ts';
import { REPO_ROOT } from '../helpers/redis.ts';
import { waitFor } from '../jobs/harness.ts';
import { keys as keysFor } from '../../src/jobs/keys.ts';
import { Redis } from 'ioredis';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
});

async function privateRedis(): Promise<PrivateRedis> {
  const redis = await PrivateRedis.start(false);
  cleanups.push(() => redis.close());
  return redis;
}

describe('closing while Redis is away', () => {
  it('a render worker shuts down within its grace periods', async () => {
    const redis = await privateRedis();
    const graceMs = 500;
    const { worker } = await startEngineWorker(baseEnv(redis.url, 'close-worker', { EASEL_SHUTDOWN_GRACE_MS: String(graceMs) }));
    await redis.down();
    const started = Date.now();
    await worker.close();
    const tookMs = Date.now() - started;
    console.info(`[faults] render worker closed ${tookMs} ms after SIGTERM with Redis down (grace ${graceMs} ms)`);
    expect(tookMs).toBeLessThan(3 * graceMs + 2_000);
  }, 30_000);

  it('a bot process that holds the editor role lets go of it, and closes, with Redis down', async () => {
    const redis = await privateRedis();
    const lockMs = 600;
    const config = loadConfig(baseEnv(redis.url, 'close-editor', { EASEL_STATUS_LOCK_MS: String(lockMs) }), REPO_ROOT);
    const jobs = await createJobsClient(config, silentLogger, { sweepMs: 100 });
    await jobs.subscribe('discord', async () => undefined);
    const probe = new Redis(redis.url);
    const editorKey = keysFor(config.redis.prefix).editor('discord');
    await waitFor(async () => (await probe.exists(editorKey)) === 1, 5_000, 'this process to take the editor role');
    probe.disconnect();
    await redis.down();
    const started = Date.now();
    await jobs.close();
    const tookMs = Date.now() - started;
    console.info(`[faults] bot jobs client closed ${tookMs} ms after Redis went down (status lock ${lockMs} ms)`);
    expect(tookMs).toBeLessThan(lockMs + config.delivery.closeGraceMs + 2_000);
  }, 30_000);

  it('the editor role lost while Redis restarted empty is taken again once it is back', async () => {
    const redis = await privateRedis();
    const lockMs = 600;
    const config = loadConfig(baseEnv(redis.url, 'retake-editor', { EASEL_STATUS_LOCK_MS: String(lockMs) }), REPO_ROOT);
    const jobs = await createJobsClient(config, silentLogger, { sweepMs: 100 });
    cleanups.push(() => jobs.close());
    await jobs.subscribe('discord', async () => undefined);
    const editorKey = keysFor(config.redis.prefix).editor('discord');
    const holder = async () => {
      const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        return await probe.get(editorKey);
      } finally {
        probe.disconnect();
      }
    };
    await waitFor(async () => (await holder()) !== null, 5_000, 'this process to take the editor role');
    const before = await holder();
    await redis.down();
    await new Promise((r) => setTimeout(r, 3 * lockMs));
    await redis.up(); // no persistence: the lease is gone, the renewal finds it lapsed
    await waitFor(async () => {
      const now = await holder();
      return now !== null && now !== before;
    }, 6 * lockMs + config.delivery.closeGraceMs, 'the editor role to be taken again');
  }, 30_000);
});
