/**
 * Redis Sentinel: a failover while 10 jobs wait and 1 renders. The test runs its own Sentinel group
 * (one primary, one replica, three Sentinels on loopback: test/helpers/sentinel.ts), `easel bot` as
 * a child process against the fake Slack and a real-engine worker in this process, both configured
 * only with REDIS_SENTINELS and REDIS_SENTINEL_NAME (REDIS_URL points at a closed port, so a
 * connection that ignored the Sentinels could not work at all). The worker's first render is held
 * at a gate (that job is active, the other 10 wait) while the primary fails over, then it paints.
 *
 *   crash        the primary is SIGKILLed; the Sentinels notice (1 s) and promote the replica
 *   switchover   SENTINEL FAILOVER: the replica is promoted, the old primary demoted to a replica
 *                (connections that stayed on it would get READONLY)
 *
 * Either way: every job delivered exactly once, no user left at "Queued", and every Easel
 * connection (bot, worker, settings, settings pub/sub, BullMQ's) is on the new primary.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/slack/fake-slack.ts';
import { askForPainting, baseEnv, BOT_TOKEN, CHANNEL, freePort, isFinal, sleep, startBot, startEngineWorker, statusOf, tally } from '../faults/harness.ts';
import { SENTINEL_NAME, SentinelGroup, sentinelCommand } from '../helpers/sentinel.ts';

const JOBS = 11;
const how = sentinelCommand();

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
});

async function elevenJobsOneRendering() {
  const group = await SentinelGroup.start();
  cleanups.push(() => group.close());
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  cleanups.push(() => fake.close());
  const env = baseEnv(`redis://127.0.0.1:${await freePort()}`, 'sentinel', { REDIS_SENTINELS: group.sentinels, REDIS_SENTINEL_NAME: SENTINEL_NAME, EASEL_WORKER_CONCURRENCY: '1' });
  const bot = await startBot(fake, env);
  cleanups.push(() => bot.kill());

  const threads: string[] = [];
  for (let i = 0; i < JOBS; i++) threads.push((await askForPainting(fake, bot.sender)).threadTs);
  await fake.waitFor(() => threads.every((t) => /Queued/.test(statusOf(fake, t)?.text ?? '')), 'all 11 queued', 120_000);

  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const { worker } = await startEngineWorker(env, gate);
  cleanups.push(async () => {
    open();
    await worker.close();
  });
  await fake.waitFor(() => threads.some((t) => /Painting/.test(statusOf(fake, t)?.text ?? '')), 'the first render to start', 120_000);
  const waiting = threads.filter((t) => /Queued/.test(statusOf(fake, t)?.text ?? '')).length;
  return { group, fake, bot, threads, waiting, open };
}

/** Names of the clients connected to a Redis (CLIENT LIST). */
async function clientNames(group: SentinelGroup, port: number): Promise<string[]> {
  const list = (await group.client(port).client('LIST')) as string;
  return list.split('\n').map((l) => /name=(\S*)/.exec(l)?.[1] ?? '').filter(Boolean);
}

describe.skipIf(!how)(`Redis Sentinel failover while 10 jobs wait and 1 renders${how ? '' : ' (skipped: redis-server is not installed)'}`, () => {
  for (const kind of ['crash', 'switchover'] as const) {
    it(`${kind}: every job delivered exactly once, none left at "Queued", every connection on the new primary`, async () => {
      const { group, fake, bot, threads, waiting, open } = await elevenJobsOneRendering();
      expect(waiting).toBe(JOBS - 1);
      const old = await group.primaryPort();
      const started = Date.now();
      const primary = kind === 'crash' ? await group.crash() : await group.switchover();
      const failoverMs = Date.now() - started;
      expect(primary).not.toBe(old);
      open();
      await fake.waitFor(() => threads.every((t) => isFinal(statusOf(fake, t)) && fake.imageMessages(CHANNEL, t).length > 0), 'every result', 180_000).catch((err) => {
        console.info(threads.map((t) => statusOf(fake, t)?.text).join('\n'), bot.output().slice(-4000));
        throw err;
      });
      await sleep(1_500);
      const t = tally(fake, threads);
      // Idle connections (settings, its pub/sub) reconnect on their own schedule: wait for them (bounded).
      const easelNames = ['easel:bot', 'easel:settings', 'easel:settings-events', 'easel:worker'];
      let names: string[] = [];
      const until = Date.now() + 30_000;
      while (!easelNames.every((n) => names.includes(n)) && Date.now() < until) {
        names = await clientNames(group, primary);
        if (!easelNames.every((n) => names.includes(n))) await sleep(250);
      }
      console.info(`[storage] sentinel ${kind}: jobs=${JOBS} (waiting at the failover: ${waiting}, rendering: 1) failover ${failoverMs} ms; duplicates=${t.duplicates} lost=${t.lost} notFinal=${t.notFinal}; clients on the new primary: ${[...new Set(names)].sort().join(' ')}`);
      expect(t).toMatchObject({ duplicates: 0, lost: 0, notFinal: 0 });
      expect(t.images).toEqual(threads.map(() => 1));
      expect(threads.filter((th) => /Queued|Painting/.test(statusOf(fake, th)!.text))).toEqual([]);
      // Easel's own connections followed the failover (BullMQ's too: the jobs above went through them).
      for (const name of easelNames) expect(names).toContain(name);
    }, 300_000);
  }
});
