/**
 * Sharding from configuration (issue 22): which shards this process runs, out of how many, and
 * what Discord says about it (GET /gateway/bot). Pure helpers plus the one REST call.
 *
 *   DISCORD_SHARD_COUNT = auto | N     total shards (auto = Discord's recommendation)
 *   DISCORD_SHARDS      = 0-15 | 0,3,5 this process's share (default: all)
 *
 * Guild events go to shard `(guild_id >> 22) % count`, DMs to shard 0; at most 2,500 guilds per shard.
 */
import { REST } from 'discord.js';
import type { Config } from '../../config.ts';

type DiscordConfig = NonNullable<Config['discord']>;

export const MAX_GUILDS_PER_SHARD = 2500;

/** GET /gateway/bot, as Discord answers it. */
export interface GatewayBot {
  url: string;
  shards: number;
  session_start_limit: { total: number; remaining: number; reset_after: number; max_concurrency: number };
}

export async function fetchGatewayBot(discord: Pick<DiscordConfig, 'token' | 'apiBase' | 'requestTimeoutMs'>): Promise<GatewayBot> {
  const rest = new REST({ api: discord.apiBase, timeout: discord.requestTimeoutMs }).setToken(discord.token);
  try {
    return (await rest.get('/gateway/bot')) as GatewayBot;
  } catch (err) {
    if ((err as { status?: number }).status === 401) throw new Error('Discord refused the bot token (401): check DISCORD_TOKEN', { cause: err });
    throw err;
  }
}

/** The shard a guild's events go to (DMs: shard 0). */
export function shardForGuild(guildId: string | null | undefined, shardCount: number): number {
  return guildId ? Number((BigInt(guildId) >> 22n) % BigInt(shardCount)) : 0;
}

export interface ShardPlan {
  shardCount: number;
  /** The shard ids this process runs. */
  shards: number[];
}

/** Resolve `auto` with Discord's recommendation and default the ids to all of them. */
export function planShards(discord: Pick<DiscordConfig, 'shardCount' | 'shards'>, recommended: number): ShardPlan {
  const shardCount = discord.shardCount === undefined || discord.shardCount === 'auto' ? Math.max(1, recommended) : discord.shardCount;
  const shards = discord.shards ?? Array.from({ length: shardCount }, (_, i) => i);
  const outside = shards.filter((id) => id >= shardCount);
  if (outside.length) {
    throw new Error(`DISCORD_SHARDS names shard ${outside.join(', ')} but there are only ${shardCount} (ids 0 to ${shardCount - 1}); fix DISCORD_SHARDS or DISCORD_SHARD_COUNT`);
  }
  return { shardCount, shards };
}

/** Compact form of a shard list: [0,1,2,3,8] → "0-3,8". */
export function formatShardList(ids: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    out.push(i === j ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/**
 * Split `shardCount` shards over `processes` processes as contiguous ranges, as even as can be.
 * Contiguous ranges keep each process's shards in different max_concurrency buckets, so a large
 * bot's processes identify in parallel.
 */
export function splitShards(shardCount: number, processes: number): string[] {
  const n = Math.max(1, Math.min(processes, shardCount));
  const out: string[] = [];
  let next = 0;
  for (let p = 0; p < n; p++) {
    const size = Math.floor(shardCount / n) + (p < shardCount % n ? 1 : 0);
    out.push(formatShardList(Array.from({ length: size }, (_, i) => next + i)));
    next += size;
  }
  return out;
}

/**
 * What a gateway error means for the operator, for the close codes that never get better by
 * reconnecting (discord.js stops on them; Easel logs this once and does not loop).
 */
export function explainGatewayError(err: unknown): string | undefined {
  const byCode: Record<number, string> = { 4010: 'invalid shard', 4011: 'sharding is required', 4013: 'invalid intents', 4014: 'disallowed intents' };
  const message = typeof err === 'number' ? (byCode[err] ?? '') : err instanceof Error ? err.message : String(err);
  if (/invalid shard/i.test(message)) {
    return 'Discord closed the gateway with 4010 (invalid shard): a shard id in DISCORD_SHARDS is not below DISCORD_SHARD_COUNT; every process must use the same DISCORD_SHARD_COUNT';
  }
  if (/sharding is required/i.test(message)) {
    return `Discord closed the gateway with 4011 (sharding required): a shard would hold more than ${MAX_GUILDS_PER_SHARD} servers; set DISCORD_SHARD_COUNT=auto or a larger number (run \`easel shards\` for Discord's recommendation)`;
  }
  if (/invalid intents/i.test(message)) {
    return 'Discord closed the gateway with 4013 (invalid intents): the intents Easel asked for are not valid; this is a bug, please report it';
  }
  if (/disallowed intents/i.test(message)) {
    return 'Discord closed the gateway with 4014 (disallowed intents): turn on the Message Content intent (Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent)';
  }
  return undefined;
}
