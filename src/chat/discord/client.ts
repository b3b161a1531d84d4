/**
 * The discord.js client, pointed at `DISCORD_API_BASE` for every REST call (the gateway URL then
 * comes from GET /gateway/bot on that API, or DISCORD_GATEWAY_URL when set), and logged in with the
 * Message Content intent when the application has it enabled — without, when Discord refuses it.
 */
import { Client, GatewayIntentBits, Options, Partials, type ClientOptions } from 'discord.js';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { RedisIdentifyThrottler } from './identify-throttler.ts';
import type { ShardLeases } from './shard-leases.ts';
import { explainGatewayError, fetchGatewayBot, formatShardList, planShards, type ShardPlan } from './sharding.ts';

type DiscordConfig = NonNullable<Config['discord']>;

export const BASE_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages] as const;

const onlyTheBot = { maxSize: 0, keepOverLimit: (x: { id: string; client: Client }) => x.id === x.client.user?.id };

/** Per-manager cache sizes: 0 = never kept (Easel never reads them from the cache). */
export const CACHE_LIMITS: Parameters<typeof Options.cacheWithLimits>[0] = {
  ...Options.DefaultMakeCacheSettings,
  MessageManager: 50,
  GuildMemberManager: onlyTheBot,
  UserManager: onlyTheBot,
  PresenceManager: 0,
  VoiceStateManager: 0,
  ReactionManager: 0,
  ReactionUserManager: 0,
  GuildEmojiManager: 0,
  BaseGuildEmojiManager: 0,
  GuildStickerManager: 0,
  StageInstanceManager: 0,
  GuildScheduledEventManager: 0,
  GuildInviteManager: 0,
  GuildBanManager: 0,
  AutoModerationRuleManager: 0,
  ThreadMemberManager: 0,
  ApplicationCommandManager: 0,
};

export function clientOptions(discord: DiscordConfig, withMessageContent: boolean): ClientOptions {
  return {
    intents: withMessageContent ? [...BASE_INTENTS, GatewayIntentBits.MessageContent] : [...BASE_INTENTS],
    partials: [Partials.Channel],
    // Every REST call is bounded (discord.js retries a timed-out or 5xx call a few times itself).
    rest: { api: discord.apiBase, timeout: discord.requestTimeoutMs },
    // Caches bounded to what Easel reads, so a shard with 2,500 servers stays small (README
    // "Scaling out" has the figures): guilds, channels, threads and roles (permissions), the last
    // 50 messages per channel (a reply's referenced result), the bot's own member and user.
    makeCache: Options.cacheWithLimits(CACHE_LIMITS),
    sweepers: { ...Options.DefaultSweeperSettings, messages: { interval: 300, lifetime: 1800 } },
    // Mentions only ever ping the user a message is for (set per message); never @everyone.
    allowedMentions: { parse: [], repliedUser: false },
  };
}

/** The gateway closed with 4014: the Message Content intent is not enabled for this application. */
export function isDisallowedIntents(err: unknown): boolean {
  return err instanceof Error && /disallowed intents/i.test(err.message);
}

/**
 * Log in, first with the Message Content intent; when Discord refuses it, again without (replies
 * to results are then seen only when they ping the bot). `wire` attaches the listeners to each
 * client made. Returns the logged-in client and whether it has the intent.
 */
export interface GatewayOptions {
  /** Shared Redis for the identify buckets of every process (without: this process only). */
  redis?: Redis;
  /** Redis key prefix (config.redis.prefix). */
  prefix?: string;
  /** One process per shard: each shard's lease is taken before it identifies. */
  leases?: ShardLeases;
}

/**
 * Which shards, out of how many: discord.js resolves `auto` itself when this process runs all of
 * them; a share of an `auto` count needs Discord's recommendation first.
 */
async function shardOptions(discord: DiscordConfig): Promise<Pick<ClientOptions, 'shards' | 'shardCount'> & { plan?: ShardPlan }> {
  if ((discord.shardCount ?? 'auto') === 'auto' && !discord.shards) return { shards: 'auto' };
  const recommended = discord.shardCount === 'auto' || discord.shardCount === undefined ? (await fetchGatewayBot(discord)).shards : 0;
  const plan = planShards(discord, recommended);
  return { shards: plan.shards, shardCount: plan.shardCount, plan };
}

export async function loginWithIntentFallback(discord: DiscordConfig, log: Logger, wire: (client: Client) => void, gateway: GatewayOptions = {}): Promise<{ client: Client; messageContent: boolean }> {
  const sharding = await shardOptions(discord);
  for (const withMessageContent of [true, false]) {
    const client = new Client({
      ...clientOptions(discord, withMessageContent),
      shards: sharding.shards,
      ...(sharding.shardCount ? { shardCount: sharding.shardCount } : {}),
      ws: {
        buildIdentifyThrottler: (manager) =>
          new RedisIdentifyThrottler({
            redis: gateway.redis,
            prefix: gateway.prefix ?? 'easel',
            windowMs: discord.identifyWindowMs ?? 5_000,
            minSessionStarts: discord.minSessionStarts ?? 0,
            log,
            gatewayInfo: () => manager.fetchGatewayInformation(),
            acquireShard: gateway.leases ? async (shardId, signal) => gateway.leases!.acquire(shardId, await manager.getShardCount(), signal) : undefined,
          }),
      },
    });
    wire(client);
    if (discord.gatewayUrl) overrideGateway(client, discord.gatewayUrl);
    try {
      const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
      await client.login(discord.token);
      await ready;
      const shards = client.ws.shards.map((shard) => shard.id).sort((a, b) => a - b);
      log.info({ shards: formatShardList(shards), shardCount: client.options.shardCount }, 'discord: gateway shards ready');
      return { client, messageContent: withMessageContent };
    } catch (err) {
      await client.destroy().catch(() => undefined);
      if (withMessageContent && isDisallowedIntents(err)) {
        log.warn(
          'discord: the Message Content intent is not enabled for this application (Developer Portal → Bot → Privileged Gateway Intents); ' +
            'continuing without it — replies to results are seen only when they mention the bot',
        );
        continue;
      }
      // Close codes that reconnecting never cures: one clear line, then stop (no loop).
      const explained = explainGatewayError(err);
      if (explained) {
        log.error(explained);
        throw new Error(explained, { cause: err });
      }
      throw err;
    }
  }
  throw new Error('unreachable');
}

/**
 * DISCORD_GATEWAY_URL: connect to this gateway instead of the one GET /gateway/bot names (a
 * gateway proxy). The REST answer is still fetched for the session limits; only its URL is replaced.
 */
function overrideGateway(client: Client, gatewayUrl: string): void {
  const rest = client.rest;
  const original = rest.get.bind(rest);
  rest.get = (async (route: Parameters<typeof rest.get>[0], options?: Parameters<typeof rest.get>[1]) => {
    const data = (await original(route, options)) as Record<string, unknown>;
    return route === '/gateway/bot' && data && typeof data === 'object' ? { ...data, url: gatewayUrl } : data;
  }) as typeof rest.get;
}
