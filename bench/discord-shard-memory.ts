/**
 * Memory of one Discord shard with 2,500 servers (issue 22; the README "Scaling out" figure):
 *
 *   npx tsx bench/discord-shard-memory.ts [--guilds 2500] [--messages 10000] [--channels N] [--caches easel|default] [--json]
 *
 * This process runs the fake Discord (one shard, `--guilds` servers with a text channel each); a
 * fresh child process runs the real discord.js client with Easel's client options (bounded
 * caches) — or, with `--caches default`, discord.js's defaults — and reports its RSS and heap
 * (after a GC) once READY has come with every GUILD_CREATE, and again after `--messages`
 * MESSAGE_CREATE events spread over the servers, from 1,000 different members.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    guilds: { type: 'string', default: '2500' },
    messages: { type: 'string', default: '10000' },
    caches: { type: 'string', default: 'easel' },
    /** Spread the messages over this many servers' channels (default: all). */
    channels: { type: 'string' },
    json: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
  },
});

interface Sample {
  phase: 'ready' | 'messages';
  rssMiB: number;
  heapMiB: number;
  guilds: number;
  cachedMessages: number;
  cachedUsers: number;
}

const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

async function child(): Promise<void> {
  const { Client, Options } = await import('discord.js');
  const { loadConfig } = await import('../src/config.ts');
  const { clientOptions } = await import('../src/chat/discord/client.ts');
  const discord = loadConfig(process.env).discord!;
  const base = clientOptions(discord, true);
  const options = values.caches === 'default' ? { ...base, makeCache: Options.cacheWithLimits(Options.DefaultMakeCacheSettings), sweepers: Options.DefaultSweeperSettings } : base;
  const client = new Client({ ...options, shards: [0], shardCount: 1 });
  const target = Number(values.messages);
  let seen = 0;
  const sample = (phase: Sample['phase']) => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    const cachedMessages = client.channels.cache.reduce((n, c) => n + ('messages' in c ? c.messages.cache.size : 0), 0);
    const s: Sample = { phase, rssMiB: mib(m.rss), heapMiB: mib(m.heapUsed), guilds: client.guilds.cache.size, cachedMessages, cachedUsers: client.users.cache.size };
    process.send!(s);
  };
  client.on('messageCreate', () => {
    if (++seen === target) setTimeout(() => (sample('messages'), void client.destroy().then(() => process.exit(0))), 200);
  });
  await new Promise<void>((resolve, reject) => {
    client.once('clientReady', () => resolve());
    client.login(discord.token).catch(reject);
  });
  sample('ready');
}

async function parent(): Promise<void> {
  const { FakeDiscord } = await import('../test/fakes/discord/fake-discord.ts');
  const { humanUser, messagePayload } = await import('../test/fakes/discord/payloads.ts');
  const guilds = Number(values.guilds);
  const messages = Number(values.messages);
  const fake = await new FakeDiscord({ guilds: { count: guilds - 1, shardCount: 1 }, gatewayBot: { shards: 1 } }).start();
  const samples: Sample[] = [];
  try {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--messages', String(messages), '--caches', values.caches!], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { PATH: process.env.PATH ?? '', DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase, LOG_LEVEL: 'silent' },
    });
    const exited = new Promise<number>((resolve) => proc.on('exit', (code) => resolve(code ?? 1)));
    const ready = new Promise<void>((resolve) =>
      proc.on('message', (m: Sample) => {
        samples.push(m);
        if (m.phase === 'ready') resolve();
      }),
    );
    await Promise.race([ready, exited.then((c) => Promise.reject(new Error(`child exited with ${c} before READY`)))]);
    const users = Array.from({ length: 1000 }, (_, i) => humanUser(`member${i}`));
    const channels = [...fake.guilds.keys()].map((g) => fake.textChannelOf(g).id).slice(0, values.channels ? Number(values.channels) : undefined);
    for (let i = 0; i < messages; i++) {
      const author = users[i % users.length];
      const msg = messagePayload({ channelId: channels[i % channels.length], author, content: `message ${i}` });
      // As Discord sends a guild message: with the author's member object.
      fake.dispatch('MESSAGE_CREATE', { ...msg, guild_id: fake.channels.get(msg.channel_id).guild_id, member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } });
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20));
    }
    const code = await exited;
    if (code !== 0) throw new Error(`child exited with ${code}`);
  } finally {
    await fake.close();
  }
  const out = { guilds, messages, caches: values.caches, samples };
  if (values.json) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    process.stdout.write(`One shard, ${guilds} servers, messages over ${values.channels ?? guilds} channels, caches: ${values.caches}\n`);
    for (const s of samples) process.stdout.write(`  after ${s.phase === 'ready' ? 'READY' : `${messages} messages`}: RSS ${s.rssMiB} MiB, heap ${s.heapMiB} MiB (guilds ${s.guilds}, cached messages ${s.cachedMessages}, cached users ${s.cachedUsers})\n`);
  }
}

await (values.child ? child() : parent());
