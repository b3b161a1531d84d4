/**
 * Redis going away under a running bot: submissions are answered with a friendly 'unavailable'
 * within the submit timeout (no hang, no crash), and work again once Redis is back. The bot talks
 * to the real Redis through a TCP relay on loopback that the test cuts and restores.
 */
import net from 'node:net';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJobsClient } from '../../src/jobs/client.ts';
import { JobRefused } from '../../src/jobs/types.ts';
import { jobIdFor } from '../../src/jobs/job-data.ts';
import { silentLogger } from '../../src/log.ts';
import { loadConfig } from '../../src/config.ts';
import { REPO_ROOT, TEST_REDIS_URL, testRedis, type TestRedis } from '../helpers/redis.ts';
import { makeRequest } from './harness.ts';

/** A cuttable TCP relay to the real Redis. */
async function relay(target: URL) {
  const sockets = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let r: TestRedis;
beforeEach(async () => {
  r = await testRedis('outage');
});
afterEach(async () => r.cleanup());

describe('Redis outage', () => {
  it('answers unavailable while Redis is unreachable and recovers when it is back', async () => {
    const link = await relay(new URL(TEST_REDIS_URL));
    const config = loadConfig({ ...r.env({ EASEL_USER_COOLDOWN_S: '0' }), REDIS_URL: link.url }, REPO_ROOT);
    const jobs = await createJobsClient(config, silentLogger, { submitTimeoutMs: 1500 });
    try {
      const photo = await jobs.blobs.put(await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a6' } }).png().toBuffer());
      expect((await jobs.submit(makeRequest(photo, { options: { quality: 'fast', size: 40, seed: 1 } }))).state).toBe('queued');

      link.cut();
      const started = Date.now();
      const duringOutage = makeRequest(photo, { options: { quality: 'fast', size: 40, seed: 2 } });
      const refused = await jobs.submit(duringOutage).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(JobRefused);
      expect(refused).toMatchObject({ code: 'unavailable', userMessage: expect.stringMatching(/try again/) });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await jobs.ping()).toBe(false);

      link.restore();
      let again: unknown;
      for (let i = 0; i < 50; i++) {
        again = await jobs.submit(makeRequest(photo, { options: { quality: 'fast', size: 40, seed: 3 + i } })).catch((e: unknown) => e);
        if (!(again instanceof JobRefused)) break;
        await new Promise((res) => setTimeout(res, 200));
      }
      expect(again).toMatchObject({ state: 'queued' });
      // What the user was told had failed did not become a job once Redis answered again.
      await new Promise((res) => setTimeout(res, 500));
      expect(await jobs.queue.getJob(jobIdFor(duringOutage))).toBeUndefined();
    } finally {
      link.restore();
      await jobs.close().catch(() => undefined);
      await link.close();
    }
  });
});
