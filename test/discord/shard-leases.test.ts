/**
 * One process per shard (issue 22): shard leases in Redis. A rolling restart (the new process
 * starts before the old one stops) never runs a shard twice: the new one waits for the old one's
 * leases; a killed process's leases run out. And when two processes do run one shard (leases off,
 * or a frozen process), every message still becomes at most one job: the intake's request-id
 * dedupe holds across processes — requests before, during and after such an overlapping restart
 * each get one result.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import type { Client } from 'discord.js';
import { loginWithIntentFallback } from '../../src/chat/discord/client.ts';
import { ShardLeases } from '../../src/chat/discord/shard-leases.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import type { Services } from '../../src/cli/serve.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { humanUser, slashCommand } from '../fakes/discord/payloads.ts';
import { testRedis, REPO_ROOT, TEST_REDIS_URL, type TestRedis } from '../helpers/redis.ts';
import { allDelivered, paintedEdits, photoOn, replyWithPhoto, resultMessage, resultUploads, startShardedBot, statusesOf } from './sharded-bot.ts';

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
    // The new process waits (and says so); the old one still runs both shards.
    await vi.waitFor(() => expect(text()).toContain('still run by another process'), { timeout: 10_000, interval: 20 });
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

describe('a rolling restart with an overlapping shard: one result per request', () => {
  it('requests before, during and after the overlap (both processes on the shard) are each answered once', async () => {
    redis = await testRedis('overlap');
    fake = await new FakeDiscord({ guilds: { count: 2, shardCount: 1 }, identifyWindowMs: 50 }).start();
    const f = fake;
    // Leases off: the overlap a frozen process (or a lease shorter than a restart) could cause.
    const bot = { DISCORD_SHARD_COUNT: '1', EASEL_SHARD_LEASE_MS: '0' };
    const worker = await startShardedBot(f, redis, {}, { bot: false, worker: true });
    const old = await startShardedBot(f, redis, bot);
    stacks.push(worker, old);
    const guildId = [...f.guilds.keys()][1];
    const channel = f.textChannelOf(guildId);
    // Different photos: different jobs, none answered from the result cache.
    const stylize = async (side: number) => f.sendInteraction(slashCommand({ guildId, channel, user: humanUser(`u${side}`) }, 'stylize', { photo: await photoOn(f, side), style: 'udnie' }));

    // Before: the old process alone.
    const before = await stylize(40);
    const first = await f.waitFor('the first result', () => resultMessage(f, before), 60_000);
    // The new process starts while the old one still runs: two sessions on shard 0, both fed.
    const next = await startShardedBot(f, redis, bot);
    stacks.push(next);
    expect(f.overlaps).toBe(1);
    const during = await stylize(48);
    const reply = await replyWithPhoto(f, first, 56);
    await f.waitFor('the results during the overlap', () => resultMessage(f, during) && paintedEdits(f, reply).length > 0, 60_000);
    await allDelivered(redis);
    // The old process stops; the new one carries on alone.
    await old.close();
    stacks.splice(stacks.indexOf(old), 1);
    const after = await stylize(64);
    await f.waitFor('the result after the restart', () => resultMessage(f, after), 60_000);
    await allDelivered(redis);

    // Both processes got the overlap's events; one acknowledgement each went through, one job ran,
    // one result each.
    for (const rec of [before, during, after]) {
      expect(f.requestsFor(rec).filter((r) => r.path.endsWith('/callback') && r.status < 300)).toHaveLength(1);
      expect(resultUploads(f, rec)).toHaveLength(1);
    }
    expect(statusesOf(f, reply)).toHaveLength(1);
    expect(paintedEdits(f, reply)).toHaveLength(1);
    expect(await worker.jobs.queue.getJobCounts('completed', 'failed', 'active', 'waiting')).toEqual({ completed: 4, failed: 0, active: 0, waiting: 0 });
  }, 180_000);
});
