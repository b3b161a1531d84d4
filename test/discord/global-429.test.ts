/**
 * A global 429 (X-RateLimit-Global) backs off every bot process (issue 22): process A's message
 * gets the global 429; process B's next request waits until the limit resets, though B never saw
 * a 429 itself, while B's interaction callback (exempt from the global limit) goes out at once.
 * Real discord.js REST clients, the fake Discord, real Redis pub/sub.
 *
 * The limit is published exactly once: before, every process re-published each hold it waited
 * on (discord.js's `rateLimited` event fires for waits too), each echo extending the hold, and
 * no request went out again — this test hung until its timeout.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { REST, Routes } from 'discord.js';
import { globalLimitEnd, shareGlobalRateLimits, type GlobalBackoff } from '../../src/chat/discord/global-rate-limit.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { humanUser, slashCommand } from '../fakes/discord/payloads.ts';
import { testRedis, TEST_REDIS_URL, type TestRedis } from '../helpers/redis.ts';

let fake: FakeDiscord | undefined;
let redis: TestRedis | undefined;
const conns: Redis[] = [];
const shares: GlobalBackoff[] = [];
afterEach(async () => {
  await Promise.allSettled(shares.splice(0).map((s) => s.close()));
  for (const c of conns.splice(0)) c.disconnect();
  await fake?.close();
  await redis?.cleanup();
  fake = undefined;
  redis = undefined;
});

async function botProcess(f: FakeDiscord, r: TestRedis) {
  const rest = new REST({ api: f.apiBase }).setToken(f.token);
  const pub = new Redis(TEST_REDIS_URL);
  const sub = new Redis(TEST_REDIS_URL);
  conns.push(pub, sub);
  const share = await shareGlobalRateLimits(rest, pub, sub, { prefix: r.prefix, log: silentLogger });
  shares.push(share);
  await share.subscribed;
  return rest;
}

/** Every value published on the share's channel (what all processes hear). */
async function listen(r: TestRedis): Promise<number[]> {
  const heard: number[] = [];
  const sub = new Redis(TEST_REDIS_URL);
  conns.push(sub);
  sub.on('message', (_ch, message: string) => heard.push(Number(message)));
  await sub.subscribe(`${r.prefix}:discord:global-429`);
  return heard;
}

describe('global 429 across processes', () => {
  it("one process's global 429 holds the other process's requests until the limit resets; interaction callbacks are not held", async () => {
    redis = await testRedis('global-429');
    fake = await new FakeDiscord().start();
    const heard = await listen(redis);
    const a = await botProcess(fake, redis);
    const b = await botProcess(fake, redis);
    const channel = fake.channelOfType(0);
    const retryAfterMs = 1000;
    fake.inject429('POST', /\/messages$/, retryAfterMs / 1000, 1, { global: true });
    const sent = a.post(Routes.channelMessages(channel.id), { body: { content: 'hello' } });
    const limited = await fake.waitFor('the global 429', () => fake!.requests.find((r) => r.status === 429), 10_000);
    const resetAt = limited.at + retryAfterMs;

    // B holds its queue once A's limit reaches it over Redis (B itself got no 429).
    await vi.waitFor(() => expect(b.globalRemaining <= 0 && b.globalReset >= resetAt).toBe(true), { timeout: 5_000, interval: 5 });
    expect(Date.now()).toBeLessThan(resetAt);

    // An interaction callback is exempt: it goes out during the hold.
    const interaction = fake.sendInteraction(slashCommand({ guildId: fake.guildId, channel, user: humanUser() }, 'stylize', {}));
    await b.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 5 }, auth: false });
    const callback = fake.requestsFor(interaction).find((r) => r.path.endsWith('/callback'))!;
    expect(callback.status).toBe(204);
    expect(callback.at).toBeLessThan(resetAt);

    // Anything else from B waits for the reset: B's request went out only after A's limit ended.
    await b.get(Routes.channel(channel.id));
    await sent;
    const bRequest = fake.requestsMatching('GET', new RegExp(`^/channels/${channel.id}$`))[0];
    expect(bRequest.at).toBeGreaterThanOrEqual(resetAt);
    const posts = fake.requestsMatching('POST', /\/messages$/);
    expect(posts.map((r) => r.status)).toEqual([429, 200]);
    expect(posts[1].at).toBeGreaterThanOrEqual(resetAt);

    // One publish for one 429: waiting on a hold is not re-published (no echo extending it).
    await vi.waitFor(() => expect(heard.length).toBeGreaterThan(0));
    expect(heard).toHaveLength(1);
    expect(heard[0]).toBeGreaterThanOrEqual(resetAt);
    expect(heard[0]).toBeLessThan(resetAt + 500);
  }, 15_000);

  it('reads the end of a global limit from a 429 only', () => {
    const res = (status: number, headers: Record<string, string>) => ({ status, headers: new Headers(headers) });
    expect(globalLimitEnd(res(429, { 'x-ratelimit-global': 'true', 'retry-after': '1.5' }), 1_000)).toBe(2_500);
    expect(globalLimitEnd(res(429, { 'retry-after': '1.5', 'x-ratelimit-scope': 'user' }), 1_000)).toBeUndefined();
    expect(globalLimitEnd(res(200, { 'x-ratelimit-global': 'true', 'retry-after': '1' }), 1_000)).toBeUndefined();
    expect(globalLimitEnd(res(429, { 'x-ratelimit-global': 'true' }), 1_000)).toBeUndefined();
  });
});
