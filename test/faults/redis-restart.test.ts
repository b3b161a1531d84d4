/**
 * Fault suite, case 5: Redis restarted while 10 jobs wait and 1 renders. The test runs its own
 * `redis-server` (a free port, a temp dir), `easel bot` as a child process against the fake Slack,
 * and a real-engine worker (one render at a time) in this process. The worker starts only once all
 * 11 jobs are queued; its first render is held at a gate (the job is active, the other 10 wait)
 * while Redis goes down and comes back, then it paints.
 *
 *   with AOF (--appendonly yes):  all 11 results delivered, each exactly once
 *   without persistence:          the queue is gone; every user is told within a minute (the bot's
 *                                 own record of the jobs it waits for), no status stays at "Queued"
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack/fake-slack.ts';
import { askForPainting, baseEnv, BOT_TOKEN, CHANNEL, isFinal, PrivateRedis, sleep, startBot, startEngineWorker, statusOf, tally, type BotProcess } from './harness.ts';
import { WORDING } from '../../src/requests/wording.ts';

const JOBS = 11;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
});

/** 11 jobs queued with no worker, then a worker; resolves once the first job renders (held at `gate`). */
async function elevenJobsOneRendering(persistent: boolean) {
  const redis = await PrivateRedis.start(persistent);
  cleanups.push(() => redis.close());
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  cleanups.push(() => fake.close());
  const env = baseEnv(redis.url, `faults-restart-${persistent ? 'aof' : 'none'}`, { EASEL_WORKER_CONCURRENCY: '1' });
  const bot: BotProcess = await startBot(fake, env);
  cleanups.push(() => bot.kill());

  const threads: string[] = [];
  for (let i = 0; i < JOBS; i++) threads.push((await askForPainting(fake, bot.sender)).threadTs);
  await fake.waitFor(() => threads.every((t) => /Queued/.test(statusOf(fake, t)?.text ?? '')), 'all 11 queued', 30_000);

  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const { worker } = await startEngineWorker(env, gate);
  cleanups.push(async () => {
    open();
    await worker.close();
  });
  await fake.waitFor(() => threads.some((t) => /Painting/.test(statusOf(fake, t)?.text ?? '')), 'the first render to start', 30_000).catch((err) => {
    console.info(threads.map((t) => statusOf(fake, t)?.text).join('\n'), bot.output().slice(-3000));
    throw err;
  });
  const waiting = threads.filter((t) => /Queued/.test(statusOf(fake, t)?.text ?? '')).length;
  return { redis, fake, bot, threads, waiting, open };
}

describe('fault suite: Redis restarted while 10 jobs wait and 1 renders', () => {
  it('with AOF: all 11 delivered exactly once', async () => {
    const { redis, fake, threads, waiting, open } = await elevenJobsOneRendering(true);
    expect(waiting).toBe(JOBS - 1);
    await redis.down();
    await sleep(300);
    await redis.up();
    open();
    for (const t of threads) await fake.waitFor(() => isFinal(statusOf(fake, t)) && fake.imageMessages(CHANNEL, t).length > 0, `the result in ${t}`, 120_000);
    await sleep(1_500);
    const t = tally(fake, threads);
    console.info(`[fault suite] redis restart with AOF: jobs=${JOBS} (waiting at the restart: ${waiting}, rendering: 1) duplicates=${t.duplicates} lost=${t.lost} notFinal=${t.notFinal}`);
    expect(t).toMatchObject({ duplicates: 0, lost: 0, notFinal: 0 });
    expect(t.images).toEqual(threads.map(() => 1));
  });

  it('without persistence: every affected user is told within a minute, none stays at "Queued"', async () => {
    const { redis, fake, threads, bot, waiting, open } = await elevenJobsOneRendering(false);
    expect(waiting).toBe(JOBS - 1);
    await redis.down();
    await sleep(300);
    await redis.up();
    open();
    const restartedAt = Date.now();
    await fake.waitFor(() => threads.every((t) => isFinal(statusOf(fake, t))), 'every status final', 60_000).catch((err) => {
      console.info(threads.map((t) => statusOf(fake, t)?.text).join('\n'), bot.output().slice(-6000));
      throw err;
    });
    const toldWithinMs = Date.now() - restartedAt;
    const lostNotices = threads.filter((t) => statusOf(fake, t)!.text.includes(WORDING.lost)).length;
    const otherNotices = threads.filter((t) => statusOf(fake, t)!.text.startsWith('⚠️') && !statusOf(fake, t)!.text.includes(WORDING.lost)).length;
    const t = tally(fake, threads);
    console.info(`[fault suite] redis restart without persistence: jobs=${JOBS} told=${lostNotices} delivered=${JOBS - t.lost} within=${toldWithinMs}ms duplicates=${t.duplicates}`);
    expect(toldWithinMs).toBeLessThan(60_000);
    expect(t.duplicates).toBe(0);
    // The queue is gone: every user is told to try again (none of them can have a result).
    expect(lostNotices).toBe(JOBS);
    expect(otherNotices + (JOBS - t.lost)).toBe(0);
    expect(threads.filter((th) => /Queued|Painting/.test(statusOf(fake, th)!.text))).toEqual([]);
  });
});
