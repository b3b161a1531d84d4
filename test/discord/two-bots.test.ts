/**
 * Two bot processes (two whole Easel stacks, as `easel bot` starts them) on different shard ranges
 * of one bot over 40 guilds, sharing Redis: every /stylize and every reply with a photo is
 * answered exactly once — each event reaches only the process that runs its guild's shard.
 *
 * Cheap by default (npm test): one /stylize in each of the 40 guilds and one reply with a photo per
 * shard, 48 px photos at quality fast (a feed-forward net: milliseconds a render). The `--long`
 * variant (EASEL_LONG_TESTS=1) replies in four guilds per shard.
 *
 * Also: a reply taken by one process is still answered when that process stops before the result
 * is ready — the other process delivers it, though the server is on a shard it does not run (its
 * guild is not in that process's cache: the channel is fetched over REST).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Queue } from 'bullmq';
import type { Services } from '../../src/cli/serve.ts';
import { QUEUE_NAME } from '../../src/jobs/keys.ts';
import { FakeDiscord, type InteractionRecord } from '../fakes/discord/fake-discord.ts';
import { humanUser, slashCommand, type ApiMessage } from '../fakes/discord/payloads.ts';
import { testRedis, type TestRedis } from '../helpers/redis.ts';
import { allDelivered, paintedEdits, photoOn, replyWithPhoto, resultMessage, resultUploads, startShardedBot, statusesOf } from './sharded-bot.ts';

const LONG = process.env.EASEL_LONG_TESTS === '1';

describe(`two bot processes on different shard ranges over 40 guilds${LONG ? ' (--long)' : ''}`, () => {
  let fake: FakeDiscord;
  let redis: TestRedis;
  const stacks: Services[] = [];
  beforeAll(async () => {
    redis = await testRedis('two-bots');
    fake = await new FakeDiscord({ guilds: { count: 40, shardCount: 2 }, gatewayBot: { shards: 2 }, identifyWindowMs: 100 }).start();
    // Process A runs shard 0 and the worker; process B runs shard 1 only.
    stacks.push(await startShardedBot(fake, redis, { DISCORD_SHARD_COUNT: '2', DISCORD_SHARDS: '0' }, { worker: true }));
    stacks.push(await startShardedBot(fake, redis, { DISCORD_SHARD_COUNT: '2', DISCORD_SHARDS: '1' }));
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(stacks.map((s) => s.close()));
    await fake?.close();
    await redis?.cleanup();
  });

  it('every /stylize and every reply with a photo is answered exactly once', async () => {
    expect(fake.sessions.sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const guilds = [...fake.guilds.keys()].filter((g) => g !== fake.guildId);
    expect(guilds).toHaveLength(40);
    const recs: InteractionRecord[] = [];
    for (const guildId of guilds) {
      recs.push(fake.sendInteraction(slashCommand({ guildId, channel: fake.textChannelOf(guildId), user: humanUser('u') }, 'stylize', { photo: await photoOn(fake), style: 'the-scream' })));
    }
    await fake.waitFor('40 results', () => recs.every((r) => resultMessage(fake, r)), 90_000);

    // A reply with a photo to a result, in one guild (four with --long) on each shard.
    const perShard = LONG ? 4 : 1;
    const replyGuilds = [...fake.guildsOnShard(0, 2).filter((g) => g !== fake.guildId).slice(0, perShard), ...fake.guildsOnShard(1, 2).slice(0, perShard)];
    const replies: ApiMessage[] = [];
    for (const guildId of replyGuilds) replies.push(await replyWithPhoto(fake, resultMessage(fake, recs[guilds.indexOf(guildId)])!));
    await fake.waitFor(`${replies.length} reply results`, () => replies.every((r) => paintedEdits(fake, r).length > 0), 60_000);
    await allDelivered(redis);

    for (const rec of recs) {
      expect(fake.requestsFor(rec).filter((r) => r.path.endsWith('/callback'))).toHaveLength(1);
      expect(resultUploads(fake, rec)).toHaveLength(1);
    }
    for (const reply of replies) {
      expect(statusesOf(fake, reply)).toHaveLength(1);
      expect(paintedEdits(fake, reply)).toHaveLength(1);
    }
  }, LONG ? 300_000 : 120_000);

  // Runs last: it stops B.
  it('a reply taken by B, which stops before the result: A posts it, in a server on a shard it does not run', async () => {
    const guildId = fake.guildsOnShard(1, 2)[0];
    // A painting in a guild on shard 1 (B's) that the user replies to; other photos than above, so
    // that neither job is answered from the result cache.
    const rec = fake.sendInteraction(slashCommand({ guildId, channel: fake.textChannelOf(guildId), user: humanUser('h') }, 'stylize', { photo: await photoOn(fake, 44), style: 'the-scream' }));
    const result = await fake.waitFor('the first painting', () => resultMessage(fake, rec), 30_000);
    await allDelivered(redis);
    // The queue is paused while B takes the reply, so its job waits.
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url }, prefix: redis.prefix });
    try {
      await queue.pause();
      const reply = await replyWithPhoto(fake, result, 40);
      await fake.waitFor('B queues the job and posts its status message', () => statusesOf(fake, reply)[0], 30_000);
      await vi.waitFor(async () => expect(await queue.getJobCountByTypes('waiting', 'prioritized')).toBe(1), { timeout: 10_000, interval: 20 });
      // B stops (a rolling restart); then the job renders, and A, which runs shard 0 only, delivers it.
      const b = stacks.pop()!;
      await b.close();
      await queue.resume();
      await fake.waitFor('the painting, posted by A', () => paintedEdits(fake, reply)[0], 30_000);
      await allDelivered(redis);
      expect(statusesOf(fake, reply)).toHaveLength(1);
      expect(paintedEdits(fake, reply)).toHaveLength(1);
    } finally {
      await queue.close();
    }
  }, 90_000);
});
