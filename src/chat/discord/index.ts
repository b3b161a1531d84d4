/**
 * The Discord adapter: `startDiscordAdapter(deps)` logs the bot in (discord.js v14), routes
 * interactions to commands/*.ts, buttons/*.ts and selects/*.ts, restyles replies to results, and delivers
 * job events (progress, results, errors) back into the chat. `easel bot` / `easel start` call it.
 *
 *   interaction ─► router ─► commands/stylize.ts, buttons/reroll.ts … ─► photos (download, decode, blob) ─► jobs.submit
 *   jobs.subscribe('discord') ─► delivery ─► edits / thread / result attachment
 */
import type { Client } from 'discord.js';
import type { AdapterDeps, RunningAdapter } from '../types.ts';
import { commands } from './commands/index.ts';
import { loginWithIntentFallback } from './client.ts';
import type { DiscordContext } from './context.ts';
import { createDelivery } from './delivery.ts';
import { describeError } from '../../util/describe-error.ts';
import { handleReplyWithPhoto } from './reply-flow.ts';
import { createRouter } from './router.ts';
import { explainGatewayError } from './sharding.ts';
import { createRedis } from '../../jobs/redis.ts';
import { ShardLeases } from './shard-leases.ts';
import { shareGlobalRateLimits, type GlobalBackoff } from './global-rate-limit.ts';

export async function startDiscordAdapter(deps: AdapterDeps): Promise<RunningAdapter> {
  const { config, jobs, presets } = deps;
  const discord = config.discord;
  if (!discord) throw new Error('Discord is not configured (set DISCORD_TOKEN)');
  // serve.ts hands in a logger already bound to { platform: 'discord' }.
  const log = deps.log;

  // Listeners are attached before login (to every client the intent fallback makes) but act only
  // once `ready` holds the context, which needs the logged-in client.
  const state: { ready?: { ctx: DiscordContext; route: ReturnType<typeof createRouter> }; closing: boolean } = { closing: false };
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const wire = (client: Client) => {
    client.on('error', (err) => log.error({ err: describeError(err) }, 'discord: client error'));
    client.on('shardError', (err) => log.warn({ err: describeError(err) }, 'discord: gateway connection error'));
    client.on('shardDisconnect', (ev, shard) => {
      const explained = explainGatewayError(ev.code);
      if (explained) log.error({ code: ev.code, shard }, explained);
      else log.warn({ code: ev.code, shard }, 'discord: gateway disconnected');
    });
    client.on('interactionCreate', (interaction) => {
      if (state.ready && !state.closing) track(state.ready.route(interaction));
    });
    client.on('messageCreate', (message) => {
      if (!state.ready || state.closing) return;
      track(handleReplyWithPhoto(message, state.ready.ctx).catch((err) => log.error({ messageId: message.id, err: describeError(err) }, 'discord: message handler failed')));
    });
  };

  // Shared by every bot process: the identify buckets (src/chat/discord/identify-throttler.ts).
  const gatewayRedis = createRedis(config, 'discord-gateway', { log });
  const leases = discord.shardLeaseMs ? new ShardLeases(gatewayRedis, { prefix: config.redis.prefix, leaseMs: discord.shardLeaseMs, log }) : undefined;
  const globalLimitRedis = createRedis(config, 'discord-global-429', { log });
  let globalBackoff: GlobalBackoff | undefined;
  const letGo = async () => {
    await leases?.releaseAll();
    await globalBackoff?.close();
    globalLimitRedis.disconnect();
    gatewayRedis.disconnect();
  };
  let login: Awaited<ReturnType<typeof loginWithIntentFallback>>;
  try {
    login = await loginWithIntentFallback(discord, log, wire, { redis: gatewayRedis, prefix: config.redis.prefix, leases });
  } catch (err) {
    await letGo();
    throw err;
  }
  const { client, messageContent } = login;
  try {
    // A global 429 seen by any bot process pauses every process's REST calls (global-rate-limit.ts).
    globalBackoff = await shareGlobalRateLimits(client.rest, gatewayRedis, globalLimitRedis, { prefix: config.redis.prefix, log });
  } catch (err) {
    log.warn({ err: describeError(err) }, 'discord: global rate limits are not shared with other bot processes (Redis)');
  }
  const delivery = createDelivery({ client, jobs, config, presets, log });
  const ctx: DiscordContext = { config, discord, jobs, presets, log, client, delivery, settings: deps.settings };
  state.ready = { ctx, route: createRouter(commands, ctx) };
  try {
    await jobs.subscribe('discord', (event) => delivery.handle(event));
  } catch (err) {
    await client.destroy();
    await letGo();
    throw err;
  }
  log.info({ user: client.user?.tag, messageContent, threads: discord.useThreads }, 'discord: bot ready');

  return {
    platform: 'discord',
    async close() {
      state.closing = true;
      await Promise.allSettled([...inFlight]);
      await delivery.close();
      await client.destroy();
      // Only once the sessions are closed may another process take the shards.
      await letGo();
      log.info('discord: disconnected');
    },
  };
}
