/**
 * One process per shard (issue 22): shard leases in Redis. A rolling restart (the new process
 * starts before the old one stops) never runs a shard twice: the new one waits for the old one's
 * leases; a killed process's leases run out. And when two processes do run one shard (leases off,
 * or a frozen process), every message still becomes at most one job: the intake's request-id
 * dedupe holds across processes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import type { Client } from 'discord.js';
import { loginWithIntentFallback } from '../../src/chat/discord/client.ts';
import { ShardLeases } from '../../src/chat/discord/shard-leases.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices, type Services } from '../../src/cli/serve.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { attachment, humanUser, messagePayload, slashCommand } from '../fakes/discord/payloads.ts';
import { testRedis, REPO_ROOT, TEST_REDIS_URL, type TestRedis } from '../helpers/redis.ts';
import { smallJpeg } from './harness.ts';

function memoryLog() {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (c, _e, done) => (lines.push(c.toString()), process.env.EASEL_TEST_LOG && process.stderr.write(c), done()) }));
  return { log, text: () => lines.join('') };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let fake: FakeDiscord | undefined;
let redis: TestRedis | undefined;
const clients: Client[] = [];
const conns: Redis[] = [];
const stacks: Services[] = [];
afterEach(async () => {
  await Promise.allSettled(stacks.splice(0).map((s) => s.close()));
  await Promise.allSettled(clients.splice(0).map((c) => c.destroy()));
  for (const c of conns.splice(0)) c.disconnect();
  await fake?.close();
  await redis?.cleanup();
  fake = undefined;
  redis = undefined;
});

describe('shard leases', () => {
  async function process_(f: FakeDiscord, r: TestRedis, leaseMs: number, log = silentLogger) {
    const conn = new Redis(TEST_REDIS_URL);
    conns.push(conn);
    const leases = new ShardLeases(conn, { prefix: r.prefix, leaseMs, log });
    const discord = loadConfig({ DISCORD_TOKEN: f.token, DISCORD_API_BASE: f.apiBase, DISCORD_SHARD_COUNT: '2', EASEL_IDENTIFY_WINDOW_MS: '50' }, REPO_ROOT).discord!;
    let client: Client | undefined;
    const ready = loginWithIntentFallback(discord, log, (c) => (clients.push(c), (client = c)), { redis: conn, prefix: r.prefix, leases });
    return { leases, ready, client: () => client! };
  }

  it('a rolling restart: the new process identifies only once the old one has let go', async () => {
    redis = await testRedis('leases');
    fake = await new FakeDiscord({ guilds: { count: 8, shardCount: 2 }, identifyWindowMs: 50 }).start();
    const old = await process_(fake, redis, 5_000);
    await old.ready;
    expect(await redis.redis.keys(`${redis.prefix}:discord:shard:*`)).toHaveLength(2);
    const { log, text } = memoryLog();
    const next = await process_(fake, redis, 5_000, log);
    let nextReady = false;
    void next.ready.then(() => (nextReady = true));
    await pause(1000);
    // The new process waits (and says so); the old one still runs both shards.
    expect(nextReady).toBe(false);
    expect(fake.identifies.filter((i) => i.accepted)).toHaveLength(2);
    expect(text()).toContain('still run by another process');
    // Shutdown of the old one, as the adapter does it: sessions closed, then leases released.
    await old.client().destroy();
    await old.leases.releaseAll();
    await next.ready;
    expect(fake.identifies.filter((i) => i.accepted)).toHaveLength(4);
    expect(fake.overlaps).toBe(0);
    expect(fake.sessions.sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
  }, 60_000);

  it('a killed process leaves leases that run out; then the next one takes over', async () => {
    redis = await testRedis('leases-kill');
    fake = await new FakeDiscord({ guilds: { count: 4, shardCount: 2 }, identifyWindowMs: 50 }).start();
    const old = await process_(fake, redis, 1_500);
    await old.ready;
    // SIGKILL: no release, no renewal; its sockets close with it.
    old.leases.abandon();
    await old.client().destroy();
    const next = await process_(fake, redis, 1_500);
    await next.ready;
    expect(fake.overlaps).toBe(0);
    expect(fake.identifies.filter((i) => i.accepted)).toHaveLength(4);
  }, 60_000);

  it('leases are renewed while the process runs (held past their length)', async () => {
    redis = await testRedis('leases-renew');
    fake = await new FakeDiscord({ guilds: { count: 2, shardCount: 2 }, identifyWindowMs: 50 }).start();
    const p = await process_(fake, redis, 600);
    await p.ready;
    await pause(1500);
    const holders = await Promise.all(p.leases.keys.map((k) => redis!.redis.get(k)));
    expect(holders).toEqual([p.leases.token, p.leases.token]);
    await p.leases.releaseAll();
    expect(await redis.redis.keys(`${redis.prefix}:discord:shard:*`)).toHaveLength(0);
  }, 30_000);
});

describe('two processes on one shard (an overlap): still one job per request', () => {
  it('a /stylize and a reply with a photo seen by both processes are each answered once', async () => {
    redis = await testRedis('overlap');
    fake = await new FakeDiscord({ guilds: { count: 2, shardCount: 1 }, identifyWindowMs: 50 }).start();
    const config = redis.config({
      DISCORD_TOKEN: fake.token,
      DISCORD_API_BASE: fake.apiBase,
      DISCORD_SHARD_COUNT: '1',
      EASEL_SHARD_LEASE_MS: '0', // leases off: the overlap a frozen process could cause
      EASEL_IDENTIFY_WINDOW_MS: '50',
      EASEL_DEFAULT_SIZE: '48',
      EASEL_MAX_SIZE: '64',
      EASEL_DEFAULT_QUALITY: 'fast',
      EASEL_USER_COOLDOWN_S: '0',
      EASEL_METRICS_PORT: '0',
      EASEL_JOB_ATTEMPTS: '1',
    });
    stacks.push(await startServices(config, memoryLog().log, { bot: true, worker: true }));
    stacks.push(await startServices(config, memoryLog().log, { bot: true, worker: false }));
    expect(fake.overlaps).toBe(1);

    const bytes = await smallJpeg(readFileSync(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg')), 64);
    const other = await smallJpeg(readFileSync(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg')), 96);
    const photo = (b = bytes) => attachment(fake!.hostFile('photo.jpg', b), b, { filename: 'photo.jpg' });
    const guildId = [...fake.guilds.keys()][1];
    const channel = fake.textChannelOf(guildId);
    const rec = fake.sendInteraction(slashCommand({ guildId, channel, user: humanUser('o') }, 'stylize', { photo: photo(), style: 'udnie' }));
    const uploads = () => {
      const original = fake!.interactions.get(rec.id)?.originalId;
      const inThread = fake!.requestsMatching('POST', /^\/channels\/\d+\/messages$/).filter((r) => r.path === `/channels/${original}/messages`);
      return [...fake!.requestsFor(rec), ...inThread].filter((r) => r.files.length > 0 && r.status === 200);
    };
    await fake.waitFor('the result', () => uploads().length > 0, 120_000);
    const original = fake.interactions.get(rec.id)!.originalId!;
    const result = [...fake.messages.values()].find((m) => m.author.id === fake!.bot.id && (m.id === original || m.channel_id === original) && m.attachments.length > 0)!;

    const reply = fake.sendUserMessage(messagePayload({ channelId: result.channel_id, author: humanUser('p'), attachments: [photo(other)], reference: { message_id: result.id, channel_id: result.channel_id, guild_id: guildId } }));
    const statuses = () => [...fake!.messages.values()].filter((m) => m.author.id === fake!.bot.id && m.message_reference?.message_id === reply.id);
    const done = () => statuses().flatMap((s) => fake!.requestsMatching('PATCH', new RegExp(`/messages/${s.id}$`)).filter((r) => r.files.length > 0 && r.status === 200));
    await fake.waitFor('the reply result', () => done().length > 0, 120_000);
    await pause(2000);

    // Both processes got both events (two sessions on the shard); one acknowledgement went
    // through, one job ran, one result each.
    expect(fake.requestsFor(rec).filter((r) => r.path.endsWith('/callback') && r.status < 300)).toHaveLength(1);
    expect(uploads()).toHaveLength(1);
    expect(statuses()).toHaveLength(1);
    expect(done()).toHaveLength(1);
    const jobs = await stacks[0].jobs.queue.getJobCounts('completed', 'failed', 'active', 'waiting');
    // Two different photos: two jobs (not a cached repeat), and no third.
    expect(jobs).toEqual({ completed: 2, failed: 0, active: 0, waiting: 0 });
  }, 240_000);
});
