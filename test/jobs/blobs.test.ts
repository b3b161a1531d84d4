/**
 * Blobs in the real Redis: content-addressed, deduplicated, expiring.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { RedisBlobStore, blobKeyOf } from '../../src/jobs/blobs.ts';
import { keys } from '../../src/jobs/keys.ts';
import { testRedis, type TestRedis } from '../helpers/redis.ts';

let r: TestRedis;
beforeEach(async () => {
  r = await testRedis('blobs');
});
afterEach(async () => {
  await r.cleanup();
});

const png = (red: number) => sharp({ create: { width: 8, height: 8, channels: 3, background: { r: red, g: 0, b: 0 } } }).png().toBuffer();

describe('RedisBlobStore', () => {
  it('stores bytes under their sha256 and gives them back byte for byte', async () => {
    const store = new RedisBlobStore(r.redis, keys(r.prefix).blob, 60);
    const bytes = await png(10);
    const key = await store.put(bytes);
    expect(key).toBe(blobKeyOf(bytes));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.compare((await store.get(key))!, bytes)).toBe(0);
    expect(await store.get(blobKeyOf(await png(11)))).toBeNull();
  });

  it('stores the same upload once', async () => {
    const store = new RedisBlobStore(r.redis, keys(r.prefix).blob, 60);
    const bytes = await png(20);
    const [a, b] = await Promise.all([store.put(bytes), store.put(Buffer.from(bytes))]);
    expect(a).toBe(b);
    expect((await r.keys()).filter((k) => k.includes(':blob:'))).toHaveLength(1);
  });

  // Expiry is Redis's own clock; what Easel decides is the deadline each write sets. So the test moves
  // a blob's deadline (as if its time had passed) instead of sleeping through it.
  it('expires blobs after their TTL, and a new upload of the same bytes refreshes it', async () => {
    const store = new RedisBlobStore(r.redis, keys(r.prefix).blob, 60);
    const bytes = await png(30);
    const key = await store.put(bytes);
    const [redisKey] = (await r.keys()).filter((k) => k.includes(':blob:'));
    expect(await store.has(key)).toBe(true);
    expect(await r.redis.pttl(redisKey)).toBeGreaterThan(59_000);
    expect(await r.redis.pttl(redisKey)).toBeLessThanOrEqual(60_000);
    await r.redis.pexpire(redisKey, 500); // 59.5 s later: half a second left
    await store.put(bytes); // refreshed: another 60 s from now
    expect(await r.redis.pttl(redisKey)).toBeGreaterThan(59_000);
    expect(await store.get(key)).not.toBeNull();
    await r.redis.pexpire(redisKey, 0); // its 60 s are over
    expect(await store.get(key)).toBeNull();
    expect(await store.has(key)).toBe(false);
  });
});
