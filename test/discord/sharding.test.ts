/**
 * Sharding from configuration and identifying safely across processes (issue 22), with the real
 * discord.js client against the fake's sharded gateway and the real Redis:
 *
 * - DISCORD_SHARD_COUNT / DISCORD_SHARDS reach discord.js: a process runs exactly its shards.
 * - Four processes × four shards starting together with max_concurrency 1: zero op 9 with the
 *   shared Redis throttler (and op 9s without it: the check can fail), IDENTIFYs counted, start time logged.
 * - Below EASEL_MIN_SESSION_STARTS nothing identifies; a clear log line; no loop.
 * - 4011 (too many guilds for one shard) fails once with a clear message and no reconnect loop.
 * (Two whole bot processes over 40 guilds: two-bots.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import type { Client } from 'discord.js';
import { loginWithIntentFallback } from '../../src/chat/discord/client.ts';
import { RedisIdentifyThrottler } from '../../src/chat/discord/identify-throttler.ts';
import { explainGatewayError, planShards, splitShards, formatShardList } from '../../src/chat/discord/sharding.ts';
import { loadConfig, parseShardList, ConfigError } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { humanUser, messagePayload } from '../fakes/discord/payloads.ts';
import { testRedis, REPO_ROOT, TEST_REDIS_URL, type TestRedis } from '../helpers/redis.ts';

function memoryLog() {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (c, _e, done) => (lines.push(c.toString()), done()) }));
  return { log, text: () => lines.join('') };
}

const until = async <T>(what: string, check: () => T | undefined | false, ms = 30_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('shard configuration (pure)', () => {
  it('parses DISCORD_SHARDS lists and ranges, refuses nonsense, and checks ids against the count', () => {
    expect(parseShardList('0-3')).toEqual([0, 1, 2, 3]);
    expect(parseShardList(' 0,3,5 ')).toEqual([0, 3, 5]);
    expect(parseShardList('0-2,8,1')).toEqual([0, 1, 2, 8]);
    expect(parseShardList('')).toBeUndefined();
    for (const bad of ['a', '3-1', '1,,2', '-1', '0-']) expect(parseShardList(bad)).toBeNull();
    const config = loadConfig({ DISCORD_TOKEN: 't', DISCORD_SHARD_COUNT: '16', DISCORD_SHARDS: '4-7' }, REPO_ROOT);
    expect(config.discord).toMatchObject({ shardCount: 16, shards: [4, 5, 6, 7] });
    expect(loadConfig({ DISCORD_TOKEN: 't' }, REPO_ROOT).discord).toMatchObject({ shardCount: 'auto', shards: undefined, minSessionStarts: 10 });
    expect(() => loadConfig({ DISCORD_TOKEN: 't', DISCORD_SHARD_COUNT: '4', DISCORD_SHARDS: '2-5' }, REPO_ROOT)).toThrow(ConfigError);
    expect(() => loadConfig({ DISCORD_TOKEN: 't', DISCORD_SHARD_COUNT: 'lots' }, REPO_ROOT)).toThrow(/DISCORD_SHARD_COUNT/);
    expect(() => loadConfig({ DISCORD_TOKEN: 't', DISCORD_SHARDS: '1-x' }, REPO_ROOT)).toThrow(/DISCORD_SHARDS/);
  });

  it('plans auto from the recommendation, splits shards into contiguous ranges, explains fatal close codes', () => {
    expect(planShards({ shardCount: 'auto' }, 6)).toEqual({ shardCount: 6, shards: [0, 1, 2, 3, 4, 5] });
    expect(planShards({ shardCount: 'auto', shards: [2, 3] }, 4)).toEqual({ shardCount: 4, shards: [2, 3] });
    expect(() => planShards({ shardCount: 'auto', shards: [5] }, 4)).toThrow(/DISCORD_SHARDS/);
    expect(splitShards(16, 4)).toEqual(['0-3', '4-7', '8-11', '12-15']);
    expect(splitShards(10, 3)).toEqual(['0-3', '4-6', '7-9']);
    expect(splitShards(2, 5)).toEqual(['0', '1']);
    expect(formatShardList([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(explainGatewayError(new Error('Sharding is required'))).toMatch(/4011.*DISCORD_SHARD_COUNT/);
    expect(explainGatewayError(4014)).toMatch(/Message Content Intent/);
    expect(explainGatewayError(4010)).toMatch(/DISCORD_SHARDS/);
    expect(explainGatewayError(4013)).toMatch(/4013/);
    expect(explainGatewayError(new Error('something else'))).toBeUndefined();
  });
});

describe('sharded gateway (discord.js against the fake)', () => {
  let fake: FakeDiscord | undefined;
  let redis: TestRedis | undefined;
  const clients: Client[] = [];
  const conns: Redis[] = [];
  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.destroy()));
    for (const c of conns.splice(0)) c.disconnect();
    await fake?.close();
    await redis?.cleanup();
    fake = undefined;
    redis = undefined;
  });

  const discordConfig = (f: FakeDiscord, env: Record<string, string>) => loadConfig({ DISCORD_TOKEN: f.token, DISCORD_API_BASE: f.apiBase, ...env }, REPO_ROOT).discord!;

  it('runs exactly the shards DISCORD_SHARDS names, out of DISCORD_SHARD_COUNT', async () => {
    fake = await new FakeDiscord({ guilds: { count: 40, shardCount: 4 }, identifyWindowMs: 50 }).start();
    const { client } = await loginWithIntentFallback(discordConfig(fake, { DISCORD_SHARD_COUNT: '4', DISCORD_SHARDS: '1,3', EASEL_IDENTIFY_WINDOW_MS: '50' }), silentLogger, (c) => clients.push(c));
    expect(fake.sessions.sort()).toEqual([
      [1, 4],
      [3, 4],
    ]);
    expect([...client.guilds.cache.keys()].sort()).toEqual([...fake.guildsOnShard(1, 4), ...fake.guildsOnShard(3, 4)].sort());
  });

  it('DISCORD_SHARD_COUNT=auto with a share takes the count from GET /gateway/bot', async () => {
    fake = await new FakeDiscord({ guilds: { count: 12, shardCount: 3 }, gatewayBot: { shards: 3 }, identifyWindowMs: 50 }).start();
    await loginWithIntentFallback(discordConfig(fake, { DISCORD_SHARDS: '2', EASEL_IDENTIFY_WINDOW_MS: '50' }), silentLogger, (c) => clients.push(c));
    expect(fake.sessions).toEqual([[2, 3]]);
  });

  it('op 7 on one shard: that shard reconnects and RESUMEs (no new IDENTIFY); its events still arrive', async () => {
    fake = await new FakeDiscord({ guilds: { count: 8, shardCount: 2 }, identifyWindowMs: 50 }).start();
    const { client } = await loginWithIntentFallback(discordConfig(fake, { DISCORD_SHARD_COUNT: '2', EASEL_IDENTIFY_WINDOW_MS: '50' }), silentLogger, (c) => clients.push(c));
    const identifies = fake.identifies.length;
    fake.requestReconnect(1);
    await until('a RESUME of shard 1', () => fake!.resumes.length > 0 && fake!.sessions.length === 2, 20_000);
    expect(fake.resumes).toEqual([1]);
    expect(fake.identifies).toHaveLength(identifies);
    const seen: string[] = [];
    client.on('messageCreate', (m) => seen.push(m.guildId ?? ''));
    const guild = fake.guildsOnShard(1, 2)[0];
    fake.sendUserMessage(messagePayload({ channelId: fake.textChannelOf(guild).id, author: humanUser('z'), content: 'after resume' }));
    await until('the message on shard 1', () => seen.includes(guild), 10_000);
  }, 30_000);

  /**
   * The fake's IDENTIFY window (Discord's is 5 s): 300 ms keeps the test short;
   * EASEL_TEST_IDENTIFY_WINDOW_MS=5000 measures a start at Discord's pace (figure for the README).
   */
  const windowMs = Number(process.env.EASEL_TEST_IDENTIFY_WINDOW_MS ?? 300);

  /** Four "processes" (own client, own Redis connection, own throttler), shards 0-3, 4-7, 8-11, 12-15. */
  async function startFour(f: FakeDiscord, shared: boolean) {
    const started = Date.now();
    const logins = splitShards(16, 4).map((share) => {
      const conn = new Redis(TEST_REDIS_URL);
      conns.push(conn);
      const discord = discordConfig(f, { DISCORD_SHARD_COUNT: '16', DISCORD_SHARDS: share, EASEL_IDENTIFY_WINDOW_MS: String(windowMs) });
      return loginWithIntentFallback(discord, silentLogger, (c) => clients.push(c), shared ? { redis: conn, prefix: redis!.prefix } : {});
    });
    return { started, logins };
  }

  it('four processes × four shards with max_concurrency 1: zero op 9 with the shared throttler', async () => {
    redis = await testRedis('identify');
    fake = await new FakeDiscord({ guilds: { count: 64, shardCount: 16 }, gatewayBot: { shards: 16, maxConcurrency: 1, remaining: 1000 }, identifyWindowMs: windowMs }).start();
    const { started, logins } = await startFour(fake, true);
    await Promise.all(logins);
    const seconds = (Date.now() - started) / 1000;
    const accepted = fake.identifies.filter((i) => i.accepted);
    expect(fake.invalidSessions).toBe(0);
    expect(accepted).toHaveLength(16);
    expect(new Set(accepted.map((i) => i.shard[0])).size).toBe(16);
    expect(fake.sessionStartLimit.remaining).toBe(1000 - 16);
    // Consecutive IDENTIFYs (one bucket) are at least a window apart.
    const times = accepted.map((i) => i.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(windowMs);
    console.info(`[issue-22] 16 shards on 4 processes, max_concurrency 1, window ${windowMs} ms: ${accepted.length} IDENTIFYs, ${fake.invalidSessions} op 9, ready in ${seconds.toFixed(1)} s`);
  }, 60_000 + 16 * windowMs);

  it('the shared throttler holds a bucket across processes; per-process throttlers do not (the check above can fail)', async () => {
    redis = await testRedis('identify-unit');
    const info = async () => ({ url: '', shards: 4, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 2 } });
    const make = (shared: boolean, windowMs = 400) => {
      const conn = new Redis(TEST_REDIS_URL);
      conns.push(conn);
      return new RedisIdentifyThrottler({ redis: shared ? conn : undefined, prefix: redis!.prefix, windowMs, minSessionStarts: 0, log: silentLogger, gatewayInfo: info });
    };
    const timed = async (t: RedisIdentifyThrottler, shard: number) => {
      await t.waitForIdentify(shard, new AbortController().signal);
      return Date.now();
    };
    // Shared: shards 0 and 2 share bucket 0 (max_concurrency 2) → at least a window apart.
    const [a, b] = await Promise.all([timed(make(true), 0), timed(make(true), 2)]);
    expect(Math.abs(a - b)).toBeGreaterThanOrEqual(400);
    // Per process, even with a 10 s window: both go long before it ends (Discord would answer op 9).
    const [d, e] = await Promise.all([timed(make(false, 10_000), 0), timed(make(false, 10_000), 2)]);
    expect(Math.abs(d - e)).toBeLessThan(10_000);
  });

  it('below EASEL_MIN_SESSION_STARTS it does not identify: one clear log line, no loop', async () => {
    fake = await new FakeDiscord({ gatewayBot: { remaining: 5, resetAfterMs: 3_600_000 }, identifyWindowMs: 0 }).start();
    const { log, text } = memoryLog();
    const login = loginWithIntentFallback(discordConfig(fake, { EASEL_MIN_SESSION_STARTS: '10' }), log, (c) => clients.push(c));
    login.catch(() => undefined);
    await until('the log line', () => /only 5 session starts left/.test(text()), 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(fake.identifies).toHaveLength(0);
    expect(text()).toContain('EASEL_MIN_SESSION_STARTS=10');
    expect(text().match(/session starts left/g)).toHaveLength(1);
    expect(text()).not.toContain(fake.token);
  });

  it('4011 (over 2,500 guilds on one shard) fails once with a clear message and never reconnects', async () => {
    fake = await new FakeDiscord({ guilds: { count: 2501, shardCount: 1 }, identifyWindowMs: 0 }).start();
    const { log, text } = memoryLog();
    await expect(loginWithIntentFallback(discordConfig(fake, { DISCORD_SHARD_COUNT: '1' }), log, (c) => clients.push(c))).rejects.toThrow(/4011.*DISCORD_SHARD_COUNT/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.identifies.map((i) => i.outcome)).toEqual([4011]);
    expect(text()).toContain('easel shards');
  });
});
