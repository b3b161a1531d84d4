/**
 * S3 mode end to end: `easel bot` (a child process, Slack over HTTP against the fake Slack) and a
 * worker with the real engine, both with EASEL_BLOB_STORE=s3 against a real S3-compatible server on
 * loopback (s3rver) and a redis-server of the test's own (so its used_memory is ours alone).
 *
 *   - a photo missing from the bucket when its job runs: a clear failure, the user is told
 *   - 30 jobs with ~300 kB photos: every result delivered once, Redis grows by a few kB a job
 *     (no blob bytes in Redis)
 *   - the S3 server stopped mid-run: new requests get "try again later", jobs in flight wait
 *     (retried, not lost); restarted: they are delivered and new requests work
 *   - expiry on schedule: every object has its deadline in the index, and a sweep at that time
 *     empties the bucket and the index (a clock moved, not slept)
 */
import sharp from 'sharp';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createEngineRenderer } from '../../src/jobs/engine-renderer.ts';
import { keys } from '../../src/jobs/keys.ts';
import { createS3BlobStore } from '../../src/jobs/blob-store/s3.ts';
import type { Renderer } from '../../src/jobs/render.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { WORDING } from '../../src/requests/wording.ts';
import { Redis } from 'ioredis';
import { BOT_USER_ID, FakeSlack } from '../fakes/slack/fake-slack.ts';
import { baseEnv, BOT_TOKEN, CHANNEL, isFinal, PrivateRedis, startBot, statusOf, tally, type BotProcess } from '../faults/harness.ts';
import { REPO_ROOT } from '../helpers/redis.ts';
import { LocalS3 } from '../helpers/s3.ts';
import { sleep, waitFor } from '../jobs/harness.ts';

const JOBS = 30;
const TTL_S = 3600;

let s3: LocalS3;
let redis: PrivateRedis;
let inspect: Redis;
let fake: FakeSlack;
let bot: BotProcess;
let env: Record<string, string>;
let config: Config;
let worker: RunningWorker;
let holdNext: () => () => void;
let queue: Queue;
const PREFIX = 's3e2e';

/** A worker with the real engine in this process; `holdNext()` holds the next render before it reads its blobs. */
async function engineWorker(): Promise<void> {
  const engine = await createEngineRenderer(config, silentLogger);
  let hold: Promise<void> | undefined;
  const renderer: Renderer = {
    close: () => engine.close?.() ?? Promise.resolve(),
    async render(task, ctx) {
      await hold;
      return engine.render(task, ctx);
    },
  };
  holdNext = () => {
    let open!: () => void;
    hold = new Promise<void>((resolve) => (open = resolve));
    return () => {
      hold = undefined;
      open();
    };
  };
  worker = await startWorker(config, { renderer, progressIntervalMs: 200 }, silentLogger);
}

/** A phone-photo-like JPEG (noise, so each one is distinct and none comes from the cache). */
const photo = () => sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();

let userSeq = 0;
async function ask(bytes?: Buffer): Promise<{ user: string; threadTs: string; bytes: number }> {
  const user = `U0S3E2E${++userSeq}`;
  const body = bytes ?? (await photo());
  const file = fake.hostFile(body, 'photo.jpg', 'image/jpeg');
  const { mention } = fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> the-scream size=32 quality=fast`, files: [file] });
  const res = await bot.sender.event(mention);
  if (res.status !== 200) throw new Error(`the bot answered ${res.status}`);
  return { user, threadTs: mention.ts, bytes: body.length };
}

const shown = (threadTs: string, what = `the result in ${threadTs}`) => fake.waitFor(() => isFinal(statusOf(fake, threadTs)) && fake.imageMessages(CHANNEL, threadTs).length > 0, what, 120_000);
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await inspect.info('memory'))![1]);
const objects = () => s3.objectKeys(`${PREFIX}/`);

beforeAll(async () => {
  s3 = await LocalS3.start();
  redis = await PrivateRedis.start(false);
  inspect = new Redis(redis.url);
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  env = baseEnv(redis.url, PREFIX, { ...s3.env(), EASEL_BLOB_TTL_S: String(TTL_S), EASEL_WORKER_CONCURRENCY: '1' });
  config = loadConfig(env, REPO_ROOT);
  bot = await startBot(fake, env);
  await engineWorker();
  queue = new Queue('render', { connection: { url: redis.url }, prefix: PREFIX });
}, 120_000);

afterAll(async () => {
  await bot?.kill();
  await worker?.close();
  await queue?.close();
  await fake?.close();
  inspect?.disconnect();
  await redis?.close();
  await s3?.close();
});

describe('S3 blob store end to end (bot and worker, real engine, s3rver, own redis-server)', () => {
  it('a photo missing from the bucket when its job runs: a clear failure, and the user is told', async () => {
    const release = holdNext();
    const { threadTs } = await ask();
    await fake.waitFor(() => /Painting/.test(statusOf(fake, threadTs)?.text ?? ''), 'the job to start', 60_000);
    const [photoObject] = await objects();
    expect(photoObject).toMatch(new RegExp(`^${PREFIX}/blob/[0-9a-f]{64}$`));
    await s3.deleteObject(photoObject);
    release();
    await fake.waitFor(() => isFinal(statusOf(fake, threadTs)), 'the final status', 60_000);
    expect(statusOf(fake, threadTs)!.text).toContain(WORDING.photoExpired);
    expect(fake.imageMessages(CHANNEL, threadTs)).toHaveLength(0);
  }, 120_000);

  it(`${JOBS} jobs: every result delivered once, and Redis grows by a few kB per job (no blob bytes in Redis)`, async () => {
    // Warm up (scripts loaded, connections and streams in place), then measure.
    for (const t of [await ask(), await ask()]) await shown(t.threadTs);
    await sleep(1_000);
    const before = await usedMemory();
    const objectsBefore = (await objects()).length;

    const asked = [];
    for (let i = 0; i < JOBS; i++) asked.push(await ask());
    for (const a of asked) await shown(a.threadTs);
    await sleep(1_500); // bookkeeping after the last post
    const after = await usedMemory();

    const threads = asked.map((a) => a.threadTs);
    const t = tally(fake, threads);
    expect(t).toMatchObject({ duplicates: 0, lost: 0, notFinal: 0 });
    const photoBytes = asked.reduce((s, a) => s + a.bytes, 0) / JOBS;
    const perJob = (after - before) / JOBS;
    const newObjects = (await objects()).length - objectsBefore;
    console.info(`[storage] S3 mode: ${JOBS} jobs delivered once each; Redis used_memory ${before} -> ${after} B = ${Math.round(perJob)} B per job; photo ${Math.round(photoBytes / 1024)} kB per job; ${newObjects} new objects in the bucket`);
    // Photos and results are in the bucket (a photo and a result, at least, per job)…
    expect(newObjects).toBeGreaterThanOrEqual(2 * JOBS);
    // …and not in Redis: it grew by far less than one photo per job.
    expect(perJob).toBeLessThan(0.1 * photoBytes);
    const largestString = Math.max(0, ...(await Promise.all((await inspect.keys(`${PREFIX}:*`)).map(async (k) => ((await inspect.type(k)) === 'string' ? await inspect.strlen(k) : 0)))));
    expect(largestString).toBeLessThan(16 * 1024);
  }, 600_000);

  it('the S3 server stopped mid-run: "try again later" for new requests, jobs in flight retried; restarted: delivered, and service resumes', async () => {
    const release = holdNext();
    const a = await ask();
    await fake.waitFor(() => /Painting/.test(statusOf(fake, a.threadTs)?.text ?? ''), 'job A to start', 60_000);
    const b = await ask();
    await fake.waitFor(() => /Queued/.test(statusOf(fake, b.threadTs)?.text ?? ''), 'job B to queue', 60_000);

    await s3.stop();
    try {
      // A new request cannot store its photo: the user is told to try again later.
      const c = await ask();
      await fake.waitFor(() => fake.ephemerals.find((e) => e.user === c.user), 'the refusal', 30_000);
      expect(fake.ephemerals.find((e) => e.user === c.user)!.text).toContain(WORDING.storageDown);
      expect(statusOf(fake, c.threadTs)).toBeUndefined();
      // A and B cannot read their photos: both fail once and wait for a retry (not lost, not failed).
      release();
      await waitFor(async () => (await queue.getJobCounts('delayed')).delayed === 2, 30_000, 'both jobs to be waiting for a retry');
      expect([statusOf(fake, a.threadTs)?.text, statusOf(fake, b.threadTs)?.text].filter((s) => /⚠️/.test(s ?? ''))).toEqual([]);
    } finally {
      await s3.start();
    }
    for (const x of [a, b]) await shown(x.threadTs);
    const d = await ask();
    await shown(d.threadTs);
    await sleep(1_000);
    expect(tally(fake, [a.threadTs, b.threadTs, d.threadTs])).toMatchObject({ duplicates: 0, lost: 0, notFinal: 0 });
  }, 300_000);

  it('blobs expire on schedule: each object has its deadline in the index; a sweep at that time empties the bucket and the index', async () => {
    const idx = keys(PREFIX).blobIndex();
    const stored = await objects();
    expect(stored.length).toBeGreaterThan(2 * JOBS);
    const now = Date.now();
    const deadlines = await Promise.all(stored.map(async (o) => inspect.zscore(idx.deadline, o.split('/').pop()!)));
    // Every object has a deadline, within a TTL from now (they were all written during this file).
    expect(deadlines.filter((d) => d === null)).toEqual([]);
    for (const d of deadlines) expect(Number(d) - now).toBeLessThanOrEqual(TTL_S * 1000);
    const latest = Math.max(...deadlines.map(Number));
    const sweeper = (at: number) => createS3BlobStore(config, inspect, { sweep: false, now: () => at });
    // 1 ms before the last deadline, that blob survives a sweep; at it, everything goes.
    const early = sweeper(latest - 1);
    await early.sweep();
    await early.close();
    expect((await objects()).length).toBeGreaterThanOrEqual(1);
    const due = sweeper(latest);
    expect(await due.sweep()).toBeGreaterThanOrEqual(1);
    await due.close();
    expect(await objects()).toEqual([]);
    expect([await inspect.zcard(idx.deadline), await inspect.hlen(idx.stored), await inspect.zcard(idx.pending), await inspect.hlen(idx.deleting)]).toEqual([0, 0, 0, 0]);
  }, 60_000);
});
