/**
 * Bounded caches (issue 22): discord.js keeps only what Easel reads — the last 50 messages per
 * channel, the bot's own member and user, no other members or users — so a shard with 2,500
 * servers stays small (figures: bench/discord-shard-memory.ts, README "Scaling out").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ChannelType, type Client } from 'discord.js';
import { loginWithIntentFallback } from '../../src/chat/discord/client.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { humanUser, messagePayload } from '../fakes/discord/payloads.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

let fake: FakeDiscord | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  await fake?.close();
});

describe('discord.js caches', () => {
  it('keep the last 50 messages of a channel, the bot member, and no other members or users', async () => {
    fake = await new FakeDiscord().start();
    const discord = loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase }, REPO_ROOT).discord!;
    ({ client } = await loginWithIntentFallback(discord, silentLogger, () => undefined));
    const channel = fake.channelOfType(0);
    const users = Array.from({ length: 20 }, (_, i) => humanUser(`m${i}`));
    let seen = 0;
    client.on('messageCreate', () => seen++);
    for (let i = 0; i < 120; i++) {
      const msg = messagePayload({ channelId: channel.id, author: users[i % users.length], content: `hello ${i}` });
      fake.dispatch('MESSAGE_CREATE', { ...msg, guild_id: fake.guildId, member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } });
    }
    const deadline = Date.now() + 10_000;
    while (seen < 120 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toBe(120);
    const cached = client.channels.cache.get(channel.id);
    expect(cached?.type).toBe(ChannelType.GuildText);
    const messages = cached && 'messages' in cached ? cached.messages.cache : undefined;
    expect(messages?.size).toBe(50);
    expect(messages?.last()?.content).toBe('hello 119');
    expect([...client.users.cache.keys()]).toEqual([fake.bot.id]);
    const guild = client.guilds.cache.get(fake.guildId)!;
    expect([...guild.members.cache.keys()]).toEqual([fake.bot.id]);
    // What permission checks need is still there.
    expect(guild.members.me).toBeTruthy();
    expect(guild.roles.cache.size).toBeGreaterThan(0);
  });

  // The measurement as a test: bench/discord-shard-memory.ts in a child process (the real
  // discord.js client with Easel's options, one shard, 2,500 servers, 10,000 messages over 10
  // channels from 1,000 members). The bounds are the caches'; RSS is reported (and far below a
  // ceiling that only a leak would reach), never compared with a speed or a fixed figure.
  it('one shard with 2,500 servers after 10,000 messages: caches bounded, RSS reported', async () => {
    const run = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench/discord-shard-memory.ts'), '--json', '--guilds', '2500', '--messages', '10000', '--channels', '10'], { cwd: REPO_ROOT });
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      child.on('exit', (code) => resolve({ code: code ?? 1, out, err }));
    });
    expect(run.code, run.err).toBe(0);
    const { samples } = JSON.parse(run.out.trim().split('\n').at(-1)!) as { samples: Array<{ phase: string; rssMiB: number; heapMiB: number; guilds: number; cachedMessages: number; cachedUsers: number }> };
    const [ready, after] = samples;
    expect(ready).toMatchObject({ phase: 'ready', guilds: 2500, cachedMessages: 0, cachedUsers: 1 });
    // 50 per channel (discord.js's default keeps 200: 2,000 here) and no member users (1,000 by default).
    expect(after).toMatchObject({ phase: 'messages', guilds: 2500, cachedMessages: 500, cachedUsers: 1 });
    expect(after.rssMiB).toBeLessThan(512);
    console.info(`[issue-22] one shard, 2,500 servers: RSS ${ready.rssMiB} MiB after READY, ${after.rssMiB} MiB after 10,000 messages (heap ${ready.heapMiB} → ${after.heapMiB} MiB)`);
  }, 120_000);
});
