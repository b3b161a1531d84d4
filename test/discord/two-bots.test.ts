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
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startServices, type Services } from '../../src/cli/serve.ts';
import { Queue } from 'bullmq';
import { keys, QUEUE_NAME } from '../../src/jobs/keys.ts';
import { FakeDiscord, type InteractionRecord } from '../fakes/discord/fake-discord.ts';
import { attachment, humanUser, messagePayload, slashCommand, type ApiMessage } from '../fakes/discord/payloads.ts';
import { testRedis, REPO_ROOT, type TestRedis } from '../helpers/redis.ts';
import { smallJpeg } from './harness.ts';

const LONG = process.env.EASEL_LONG_TESTS === '1';

function memoryLog() {
  const log = pino({ level: 'debug' }, new Writable({ write: (c, _e, done) => (process.env.EASEL_TEST_LOG && process.stderr.write(c), done()) }));
  return log;
}

function botEnv(fake: FakeDiscord, redis: TestRedis, shards: string) {
  return redis.config({
    DISCORD_TOKEN: fake.token,
    DISCORD_API_BASE: fake.apiBase,
    DISCORD_SHARD_COUNT: '2',
    DISCORD_SHARDS: shards,
    EASEL_IDENTIFY_WINDOW_MS: '100',
    EASEL_DEFAULT_SIZE: '48',
    EASEL_MAX_SIZE: '64',
    EASEL_DEFAULT_QUALITY: 'fast',
    EASEL_USER_COOLDOWN_S: '0',
    EASEL_METRICS_PORT: '0',
    EASEL_JOB_ATTEMPTS: '1',
  });
}

const PHOTO = readFileSync(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'));
const photos = new Map<number, Promise<Buffer>>();
/** The photo, `side` px; another side is another photo (no result cache hit). */
async function photoOn(fake: FakeDiscord, side = 48) {
  if (!photos.has(side)) photos.set(side, smallJpeg(PHOTO, side));
  const bytes = await photos.get(side)!;
  return attachment(fake.hostFile('photo.jpg', bytes), bytes, { filename: 'photo.jpg' });
}

/** Every job handed to the delivery layer has been delivered (and recorded): nothing more will be posted. */
async function allDelivered(redis: TestRedis) {
  await vi.waitFor(async () => expect(await redis.redis.hlen(keys(redis.prefix).pending('discord'))).toBe(0), { timeout: 30_000, interval: 50 });
}

/** A user's reply with a photo to `result`, in `guildId`. */
async function replyWithPhoto(fake: FakeDiscord, guildId: string, result: ApiMessage, side = 48) {
  return fake.sendUserMessage(messagePayload({ channelId: result.channel_id, author: humanUser('r'), attachments: [await photoOn(fake, side)], reference: { message_id: result.id, channel_id: result.channel_id, guild_id: guildId } }));
}

/** The bot's status message(s) answering a user's message, and their edits that carry the painting. */
const statusOf = (fake: FakeDiscord, reply: ApiMessage) => [...fake.messages.values()].filter((m) => m.author.id === fake.bot.id && m.message_reference?.message_id === reply.id);
const paintedEdits = (fake: FakeDiscord, reply: ApiMessage) =>
  statusOf(fake, reply).flatMap((s) => fake.requestsMatching('PATCH', new RegExp(`/messages/${s.id}$`)).filter((r) => r.files.some((f) => f.name === 'easel.png') && r.status === 200));

describe(`two bot processes on different shard ranges over 40 guilds${LONG ? ' (--long)' : ''}`, () => {
  let fake: FakeDiscord;
  let redis: TestRedis;
  const stacks: Services[] = [];
  beforeAll(async () => {
    redis = await testRedis('two-bots');
    fake = await new FakeDiscord({ guilds: { count: 40, shardCount: 2 }, gatewayBot: { shards: 2 }, identifyWindowMs: 100 }).start();
    // Process A runs shard 0 and the worker; process B runs shard 1 only.
    stacks.push(await startServices(botEnv(fake, redis, '0'), memoryLog(), { bot: true, worker: true }));
    stacks.push(await startServices(botEnv(fake, redis, '1'), memoryLog(), { bot: true, worker: false }));
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
    // The painting arrives either in the interaction's reply (an edit with the image) or in a thread
    // started from it (a post with the image); either way exactly one upload per request.
    const resultPosts = (rec: (typeof recs)[number]) => {
      const thread = fake.interactions.get(rec.id)?.originalId;
      const inThread = fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).filter((r) => r.path === `/channels/${thread}/messages`);
      return [...fake.requestsFor(rec), ...inThread].filter((r) => r.files.length > 0 && r.status === 200);
    };
    await fake.waitFor('40 results', () => recs.every((r) => resultPosts(r).length > 0), 90_000);

    // A reply with a photo to a result, in one guild (four with --long) on each shard.
    const perShard = LONG ? 4 : 1;
    const replyGuilds = [...fake.guildsOnShard(0, 2).filter((g) => g !== fake.guildId).slice(0, perShard), ...fake.guildsOnShard(1, 2).slice(0, perShard)];
    const replies: ApiMessage[] = [];
    for (const guildId of replyGuilds) {
      const rec = recs[guilds.indexOf(guildId)];
      const original = fake.interactions.get(rec.id)!.originalId!;
      // The message that shows the painting: the reply itself, or the post in its thread.
      const result = [...fake.messages.values()].find((m) => m.author.id === fake.bot.id && (m.id === original || m.channel_id === original) && m.attachments.length > 0)!;
      replies.push(await replyWithPhoto(fake, guildId, result));
    }
    await fake.waitFor(`${replies.length} reply results`, () => replies.every((r) => paintedEdits(fake, r).length > 0), 60_000);
    // Every job's delivery is recorded: a duplicate would have been posted by now.
    await allDelivered(redis);

    for (const rec of recs) {
      expect(fake.requestsFor(rec).filter((r) => r.path.endsWith('/callback'))).toHaveLength(1);
      expect(resultPosts(rec)).toHaveLength(1);
    }
    for (const reply of replies) {
      expect(statusOf(fake, reply)).toHaveLength(1);
      expect(paintedEdits(fake, reply)).toHaveLength(1);
    }
  }, LONG ? 300_000 : 120_000);

  // Runs last: it stops B.
  it('a reply taken by B, which stops before the result: A posts it, in a server on a shard it does not run', async () => {
    const guildId = fake.guildsOnShard(1, 2)[0];
    // A painting in a guild on shard 1 (B's) that the user replies to; other photos than above, so
    // that neither job is answered from the result cache.
    const rec = fake.sendInteraction(slashCommand({ guildId, channel: fake.textChannelOf(guildId), user: humanUser('h') }, 'stylize', { photo: await photoOn(fake, 44), style: 'the-scream' }));
    const result = await fake.waitFor('the first painting', () => {
      const original = fake.interactions.get(rec.id)?.originalId;
      return [...fake.messages.values()].find((m) => m.author.id === fake.bot.id && (m.id === original || m.channel_id === original) && m.attachments.length > 0);
    }, 30_000);
    await allDelivered(redis);
    // The queue is paused while B takes the reply, so its job waits.
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url }, prefix: redis.prefix });
    try {
      await queue.pause();
      const reply = await replyWithPhoto(fake, guildId, result, 40);
      await fake.waitFor('B queues the job and posts its status message', () => statusOf(fake, reply)[0], 30_000);
      await vi.waitFor(async () => expect(await queue.getJobCountByTypes('waiting', 'prioritized')).toBe(1), { timeout: 10_000, interval: 20 });
      // B stops (a rolling restart); then the job renders, and A, which runs shard 0 only, delivers it.
      const b = stacks.pop()!;
      await b.close();
      await queue.resume();
      await fake.waitFor('the painting, posted by A', () => paintedEdits(fake, reply)[0], 30_000);
      await allDelivered(redis);
      expect(statusOf(fake, reply)).toHaveLength(1);
      expect(paintedEdits(fake, reply)).toHaveLength(1);
    } finally {
      await queue.close();
    }
  }, 90_000);
});
