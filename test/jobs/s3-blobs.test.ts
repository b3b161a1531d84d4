/**
 * The S3 blob store (src/jobs/blob-store) against a real S3-compatible server on loopback (s3rver)
 * and the real Redis: bytes in the bucket, only a small index in Redis, Easel's own expiry on a
 * clock the test moves (no sleeping), the pending budget, missing keys, an outage and the races
 * between an upload and the sweeper.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { blobKeyOf, BlobStoreUnavailable } from '../../src/jobs/blobs.ts';
import { s3Bucket, type ObjectBucket } from '../../src/jobs/blob-store/bucket.ts';
import { createS3BlobStore, type S3BlobStore } from '../../src/jobs/blob-store/s3.ts';
import { keys } from '../../src/jobs/keys.ts';
import { silentLogger } from '../../src/log.ts';
import { LocalS3 } from '../helpers/s3.ts';
import { testRedis, type TestRedis } from '../helpers/redis.ts';

let s3: LocalS3;
let r: TestRedis;
const stores: S3BlobStore[] = [];

beforeAll(async () => {
  s3 = await LocalS3.start();
});
afterAll(async () => {
  await s3.close();
});
beforeEach(async () => {
  r = await testRedis('s3-blobs');
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await r.cleanup();
});

const TTL_S = 3600;
const PENDING_TTL_S = 600;

/** A clock the test moves. */
function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

/** The real S3 bucket, counting calls; `pausePuts`/`pauseDeletes` hold calls until released. */
function countingBucket(inner: ObjectBucket) {
  const counts = { put: 0, get: 0, delete: 0 };
  let putGate: Promise<void> | undefined;
  let deleteGate: Promise<void> | undefined;
  const gate = () => {
    let open!: () => void;
    const p = new Promise<void>((res) => (open = res));
    return { p, open };
  };
  const bucket: ObjectBucket = {
    async put(key, bytes) {
      counts.put++;
      await inner.put(key, bytes);
      await putGate;
    },
    async get(key) {
      counts.get++;
      return inner.get(key);
    },
    async deleteMany(keys) {
      counts.delete += keys.length;
      await deleteGate;
      return inner.deleteMany(keys);
    },
    check: () => inner.check(),
    close: () => inner.close(),
  };
  return {
    bucket,
    counts,
    pausePuts() {
      const g = gate();
      putGate = g.p;
      return () => ((putGate = undefined), g.open());
    },
    pauseDeletes() {
      const g = gate();
      deleteGate = g.p;
      return () => ((deleteGate = undefined), g.open());
    },
  };
}

function makeStore(opts: { now?: () => number; budget?: number; timeoutMs?: number; bucket?: ObjectBucket } = {}) {
  const config = r.config({ ...s3.env(), EASEL_BLOB_TTL_S: String(TTL_S), EASEL_PENDING_BLOB_TTL_S: String(PENDING_TTL_S), EASEL_PENDING_BLOB_BUDGET_BYTES: String(opts.budget ?? 1024 * 1024), EASEL_S3_TIMEOUT_MS: String(opts.timeoutMs ?? 2_000) });
  const store = createS3BlobStore(config, r.redis, { log: silentLogger, sweep: false, now: opts.now, bucket: opts.bucket ?? s3Bucket(config.blobs.s3!) });
  stores.push(store);
  return store;
}

const png = (red: number, size = 16) => sharp({ create: { width: size, height: size, channels: 3, background: { r: red, g: 40, b: 90 } } }).png().toBuffer();
const noise = (bytes: number, seed: number) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + seed * 7) & 0xff));

/** Every value stored under this test's prefix, with its size: the index must hold no bytes. */
async function largestRedisValue(): Promise<number> {
  let largest = 0;
  for (const key of await r.keys()) largest = Math.max(largest, Number(await r.redis.memory('USAGE', key)));
  return largest;
}

describe('S3BlobStore', () => {
  it('keeps the bytes in the bucket under their sha256 and only a small index in Redis', async () => {
    const store = makeStore();
    const bytes = noise(200_000, 1);
    const key = await store.put(bytes);
    expect(key).toBe(blobKeyOf(bytes));
    expect(Buffer.compare((await store.get(key))!, bytes)).toBe(0);
    expect(await s3.objectKeys(`${r.prefix}/`)).toEqual([`${r.prefix}/blob/${key}`]);
    expect(await store.has(key)).toBe(true);
    // 200 kB of bytes, and nothing in Redis is bigger than a few hundred bytes.
    expect(await largestRedisValue()).toBeLessThan(1_000);
  });

  it('stores the same bytes once: a second put refreshes the deadline without uploading again', async () => {
    const t = clock();
    const counted = countingBucket(s3Bucket(r.config(s3.env()).blobs.s3!));
    const store = makeStore({ now: t.now, bucket: counted.bucket });
    const bytes = await png(10);
    const key = await store.put(bytes);
    expect(await store.deadline(key)).toBe(t.now() + TTL_S * 1000);
    t.advance(1000 * 1000);
    expect(await store.put(Buffer.from(bytes))).toBe(key);
    expect(counted.counts.put).toBe(1);
    expect(await store.deadline(key)).toBe(t.now() + TTL_S * 1000);
    // Past the first deadline, still there (refreshed).
    t.advance((TTL_S - 500) * 1000);
    expect(await store.get(key)).not.toBeNull();
  });

  it('expires blobs on schedule: unreadable at the deadline, deleted from the bucket by the sweep', async () => {
    const t = clock();
    const store = makeStore({ now: t.now });
    const a = await store.put(await png(20));
    t.advance(60_000);
    const b = await store.put(await png(21));
    t.advance(TTL_S * 1000 - 60_000 - 1);
    // 1 ms before a's deadline: both readable, the sweep deletes nothing.
    expect(await store.get(a)).not.toBeNull();
    expect(await store.sweep()).toBe(0);
    t.advance(1);
    // At a's deadline: a reads as gone at once, before any sweep; b is still there.
    expect(await store.get(a)).toBeNull();
    expect(await store.has(a)).toBe(false);
    expect(await store.get(b)).not.toBeNull();
    expect(await s3.objectKeys(`${r.prefix}/`)).toHaveLength(2);
    expect(await store.sweep()).toBe(1);
    expect(await s3.objectKeys(`${r.prefix}/`)).toEqual([`${r.prefix}/blob/${b}`]);
    t.advance(60_000);
    expect(await store.sweep()).toBe(1);
    expect(await s3.objectKeys(`${r.prefix}/`)).toEqual([]);
    // Nothing left in the index either.
    const idx = keys(r.prefix).blobIndex();
    expect([await r.redis.zcard(idx.deadline), await r.redis.hlen(idx.stored), await r.redis.hlen(idx.deleting)]).toEqual([0, 0, 0]);
  });

  it('pending uploads: counted in stored bytes against the budget, refused past it (nothing uploaded), freed by their TTL or by a job', async () => {
    const t = clock();
    const counted = countingBucket(s3Bucket(r.config(s3.env()).blobs.s3!));
    const store = makeStore({ now: t.now, budget: 250_000, bucket: counted.bucket });
    const first = await store.putPending(noise(100_000, 1));
    const second = await store.putPending(noise(100_000, 2));
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    // The same bytes again do not count twice.
    expect(await store.putPending(noise(100_000, 2))).toBe(second);
    expect(await store.putPending(noise(100_000, 3))).toBeUndefined();
    expect(counted.counts.put).toBe(2);
    // A job takes the first: it leaves the budget and gets the full TTL.
    await store.commit([first!]);
    expect(await store.deadline(first!)).toBe(t.now() + TTL_S * 1000);
    const third = await store.putPending(noise(100_000, 3));
    expect(third).toBeDefined();
    // Past the pending TTL the uncommitted ones stop counting, and read as gone.
    t.advance(PENDING_TTL_S * 1000);
    expect(await store.get(second!)).toBeNull();
    expect(await store.putPending(noise(200_000, 4))).toBeDefined();
    expect(await store.get(first!)).not.toBeNull();
    expect(await store.sweep()).toBe(2);
  });

  it('a discarded pending upload leaves the budget and reads as gone at once (the sweep deletes it), unless another request or a job holds it', async () => {
    const t = clock();
    const store = makeStore({ now: t.now, budget: 150_000 });
    const alone = (await store.putPending(noise(100_000, 11)))!;
    expect(await store.putPending(noise(100_000, 12))).toBeUndefined();
    await store.discardPending(alone);
    expect(await store.get(alone)).toBeNull();
    const next = (await store.putPending(noise(100_000, 12)))!;
    expect(next).toBeDefined();
    expect(await store.sweep()).toBe(1);
    expect(await s3.objectKeys(`${r.prefix}/`)).toEqual([`${r.prefix}/blob/${next}`]);
    await store.discardPending(next);
    // Held by two requests: the first to give it back leaves it to the other.
    const shared = noise(20_000, 13);
    const [a, b] = [(await store.putPending(shared))!, (await store.putPending(Buffer.from(shared)))!];
    await store.discardPending(a);
    expect(await store.get(a)).not.toBeNull();
    await store.discardPending(b);
    expect(await store.get(a)).toBeNull();
    // Committed by a job meanwhile: a late give-back changes nothing.
    const kept = noise(20_000, 14);
    const [c1, c2] = [(await store.putPending(kept))!, (await store.putPending(Buffer.from(kept)))!];
    await store.commit([c1]);
    await store.discardPending(c2);
    expect(await store.deadline(c1)).toBe(t.now() + TTL_S * 1000);
    expect(await store.get(c1)).not.toBeNull();
  });

  it('a missing key is a clear null, whether never stored, deleted behind our back, or not a key at all', async () => {
    const store = makeStore();
    expect(await store.get(blobKeyOf(Buffer.from('never stored')))).toBeNull();
    const key = await store.put(await png(30));
    await s3.deleteObject(`${r.prefix}/blob/${key}`);
    expect(await store.get(key)).toBeNull();
    expect(await store.get('../../etc/passwd')).toBeNull();
    expect(await store.has('not-a-hash')).toBe(false);
  });

  it('the store down: puts and gets throw BlobStoreUnavailable (the budget is given back); back up: everything works again', async () => {
    const store = makeStore({ budget: 150_000, timeoutMs: 1_000 });
    const kept = await store.put(await png(40));
    await s3.stop();
    try {
      await expect(store.put(await png(41))).rejects.toBeInstanceOf(BlobStoreUnavailable);
      await expect(store.putPending(noise(100_000, 9))).rejects.toBeInstanceOf(BlobStoreUnavailable);
      await expect(store.get(kept)).rejects.toBeInstanceOf(BlobStoreUnavailable);
    } finally {
      await s3.start();
    }
    // The failed pending upload took nothing from the budget.
    expect(await store.putPending(noise(140_000, 10))).toBeDefined();
    expect(await store.get(kept)).not.toBeNull();
    expect(await store.get(await store.put(await png(41)))).not.toBeNull();
  });

  it('a store that accepts connections but never answers: calls give up after EASEL_S3_TIMEOUT_MS as BlobStoreUnavailable', async () => {
    const hung = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const config = r.config({ ...s3.env(), EASEL_S3_ENDPOINT: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`, EASEL_S3_TIMEOUT_MS: '300' });
      const store = createS3BlobStore(config, r.redis, { log: silentLogger, sweep: false });
      stores.push(store);
      const put = store.putPending(await png(60));
      await expect(put).rejects.toBeInstanceOf(BlobStoreUnavailable);
      await expect(put).rejects.toThrow(/timed out/);
      // The pending budget was given back.
      expect(await r.redis.zcard(keys(r.prefix).pendingBlobs())).toBe(0);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });

  it('an upload of bytes a sweeper is deleting waits for the delete, then writes them again', async () => {
    const t = clock();
    const counted = countingBucket(s3Bucket(r.config(s3.env()).blobs.s3!));
    const store = makeStore({ now: t.now, bucket: counted.bucket });
    const bytes = await png(50);
    const key = await store.put(bytes);
    t.advance(TTL_S * 1000);
    const release = counted.pauseDeletes();
    const sweeping = store.sweep();
    // The sweeper has claimed the blob and its delete is in flight; the same bytes arrive again.
    await new Promise((res) => setTimeout(res, 100));
    const putting = store.put(bytes);
    await new Promise((res) => setTimeout(res, 200));
    expect(counted.counts.put).toBe(1); // still waiting for the delete
    release();
    expect(await sweeping).toBe(1);
    expect(await putting).toBe(key);
    expect(counted.counts.put).toBe(2);
    // Without the wait, the delete would have landed on the new object: it is there.
    expect(await store.get(key)).not.toBeNull();
    expect(await s3.objectKeys(`${r.prefix}/`)).toEqual([`${r.prefix}/blob/${key}`]);
  });

  it('nothing half-written is referenced, and a crash mid-upload leaves no object the sweeper misses', async () => {
    const t = clock();
    const inner = s3Bucket(r.config(s3.env()).blobs.s3!);
    // The object is written, then the process "dies" before publishing the key.
    const crashing: ObjectBucket = { ...inner, put: async (key, bytes) => { await inner.put(key, bytes); throw new Error('process killed'); } };
    const store = makeStore({ now: t.now, bucket: crashing });
    const bytes = noise(50_000, 5);
    await expect(store.putPending(bytes)).rejects.toThrow(/killed/);
    // Not readable: the key was never published.
    expect(await makeStore({ now: t.now }).get(blobKeyOf(bytes))).toBeNull();
    expect(await s3.objectKeys(`${r.prefix}/`)).toHaveLength(1);
    t.advance(PENDING_TTL_S * 1000);
    expect(await store.sweep()).toBe(1);
    expect(await s3.objectKeys(`${r.prefix}/`)).toEqual([]);
  });
});
