/**
 * The fake Discord's sharded gateway, checked with raw WebSocket sessions (what a shard sends and
 * receives): guild ids land on the shards asked for, GET /gateway/bot says what it was told,
 * IDENTIFY is checked as Discord checks it (4011 unsharded above 2,500 guilds, op 9 when a
 * max_concurrency bucket's window is exceeded, session starts counted), READY + GUILD_CREATE per
 * shard, events routed by `(guild_id >> 22) % count`, DMs to shard 0, duplicate sessions both fed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeDiscord, shardOf } from '../fakes/discord/fake-discord.ts';
import { humanUser, messagePayload } from '../fakes/discord/payloads.ts';

let fake: FakeDiscord | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await fake?.close();
  fake = undefined;
});

interface RawSession {
  ws: WebSocket;
  received: any[];
  closed: Promise<number>;
}

/** Connect, wait for HELLO, IDENTIFY as `shard`; collect everything that arrives. */
async function identify(f: FakeDiscord, shard?: [number, number], token = f.token): Promise<RawSession> {
  const ws = new WebSocket(f.gatewayUrl);
  sockets.push(ws);
  const received: any[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      received.push(msg);
      if (msg.op === 10) resolve();
    });
  });
  ws.send(JSON.stringify({ op: 2, d: { token, intents: 1 | 512 | 32768, properties: {}, ...(shard ? { shard } : {}) } }));
  return { ws, received, closed };
}

const dispatches = (s: RawSession, t: string) => s.received.filter((m) => m.op === 0 && m.t === t).map((m) => m.d);

async function until<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('fake Discord: sharded gateway', () => {
  it('chooses guild ids that land on the shards asked for; the main guild is on shard 0', async () => {
    fake = await new FakeDiscord({ guilds: { count: 40, shardCount: 4 } }).start();
    expect(fake.guilds.size).toBe(41);
    for (const count of [1, 2, 3, 4, 8, 16]) expect(shardOf(fake.guildId, count)).toBe(0);
    for (let shard = 0; shard < 4; shard++) expect(fake.guildsOnShard(shard, 4).length).toBe(shard === 0 ? 11 : 10);
    // The formula on a real-looking snowflake: (id >> 22) % count.
    expect(shardOf('197038439483310086', 7)).toBe(Number((197038439483310086n >> 22n) % 7n));
  });

  it('GET /gateway/bot answers the configured shards and session start limit, counting IDENTIFYs', async () => {
    fake = await new FakeDiscord({ guilds: { count: 8, shardCount: 2 }, gatewayBot: { shards: 2, maxConcurrency: 2, remaining: 10, total: 1000, resetAfterMs: 60_000 } }).start();
    const get = async (): Promise<any> => (await fetch(`${fake!.apiBase}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake!.token}` } })).json();
    expect(await get()).toMatchObject({ shards: 2, session_start_limit: { total: 1000, remaining: 10, reset_after: 60_000, max_concurrency: 2 } });
    const a = await identify(fake, [0, 2]);
    const b = await identify(fake, [1, 2]);
    await until('both READY', () => dispatches(a, 'READY').length && dispatches(b, 'READY').length);
    expect((await get()).session_start_limit.remaining).toBe(8);
    // READY lists the shard's guilds, then a GUILD_CREATE for each.
    expect(dispatches(a, 'READY')[0].shard).toEqual([0, 2]);
    expect(dispatches(a, 'READY')[0].guilds.map((g: any) => g.id).sort()).toEqual(fake.guildsOnShard(0, 2).sort());
    await until('GUILD_CREATEs', () => dispatches(b, 'GUILD_CREATE').length === fake!.guildsOnShard(1, 2).length);
    expect(dispatches(b, 'GUILD_CREATE').every((g: any) => shardOf(g.id, 2) === 1)).toBe(true);
    expect(fake.invalidSessions).toBe(0);
  });

  it('closes an unsharded session with 4011 above 2,500 guilds; a shard id out of range with 4010', async () => {
    fake = await new FakeDiscord({ guilds: { count: 2500, shardCount: 2 } }).start();
    expect(await (await identify(fake)).closed).toBe(4011);
    expect(await (await identify(fake, [2, 2])).closed).toBe(4010);
    const ok = await identify(fake, [1, 2]);
    await until('READY on shard 1', () => dispatches(ok, 'READY').length);
    expect(fake.identifies.map((i) => i.outcome)).toEqual([4011, 4010, 'ready']);
  });

  it('answers op 9 to a second IDENTIFY in the same bucket within the window, not in another bucket', async () => {
    fake = await new FakeDiscord({ guilds: { count: 4, shardCount: 4 }, gatewayBot: { maxConcurrency: 2 }, identifyWindowMs: 2000 }).start();
    const s0 = await identify(fake, [0, 4]);
    const s1 = await identify(fake, [1, 4]); // bucket 1: fine
    const s2 = await identify(fake, [2, 4]); // bucket 0 again within the window: op 9
    await until('op 9', () => s2.received.some((m) => m.op === 9));
    await until('READY x2', () => dispatches(s0, 'READY').length && dispatches(s1, 'READY').length);
    expect(fake.invalidSessions).toBe(1);
    expect(fake.sessionStartLimit.remaining).toBe(997);
    expect(dispatches(s2, 'READY')).toHaveLength(0);
  });

  it('routes guild events by the formula, DMs to shard 0, and feeds two sessions of one shard both', async () => {
    fake = await new FakeDiscord({ guilds: { count: 6, shardCount: 3 }, gatewayBot: { maxConcurrency: 16 }, identifyWindowMs: 0 }).start();
    const shards = [await identify(fake, [0, 3]), await identify(fake, [1, 3]), await identify(fake, [2, 3])];
    const twin = await identify(fake, [2, 3]);
    await until('all READY', () => [...shards, twin].every((s) => dispatches(s, 'READY').length));
    const user = humanUser('routing');
    for (const guildId of [...fake.guilds.keys()]) fake.sendUserMessage(messagePayload({ channelId: fake.textChannelOf(guildId).id, author: user, content: `hello ${guildId}` }));
    fake.dispatch('MESSAGE_CREATE', { ...messagePayload({ channelId: '1', author: user, content: 'a DM' }), guild_id: undefined });
    await until('messages', () => dispatches(shards[0], 'MESSAGE_CREATE').length === fake!.guildsOnShard(0, 3).length + 1);
    for (let i = 0; i < 3; i++) {
      const got = dispatches(shards[i], 'MESSAGE_CREATE');
      const guildMessages = got.filter((m: any) => m.guild_id);
      expect(guildMessages.map((m: any) => m.guild_id).sort()).toEqual(fake.guildsOnShard(i, 3).sort());
      expect(got.filter((m: any) => !m.guild_id)).toHaveLength(i === 0 ? 1 : 0);
    }
    await until('twin fed', () => dispatches(twin, 'MESSAGE_CREATE').length === dispatches(shards[2], 'MESSAGE_CREATE').length);
    expect(dispatches(twin, 'MESSAGE_CREATE').map((m: any) => m.id)).toEqual(dispatches(shards[2], 'MESSAGE_CREATE').map((m: any) => m.id));
  });
});
