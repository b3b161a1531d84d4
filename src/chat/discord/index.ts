/**
 * The Discord adapter: `startDiscordAdapter(deps)` logs the bot in (discord.js v14), routes
 * interactions to commands/*.ts, buttons/*.ts and selects/*.ts, restyles replies to results, and delivers
 * job events (progress, results, errors) back into the chat. `easel bot` / `easel start` call it.
 *
 *   interaction (gateway, or HTTP: interactions-endpoint.ts → raw-interaction.ts)
 *     ─► router ─► commands/stylize.ts, buttons/reroll.ts … ─► intake ─► jobs.submit
 *   message (gateway) ─► reply-flow.ts ─► intake ─► jobs.submit
 *   jobs.subscribe('discord') ─► delivery ─► edits / thread / result attachment
 *
 * With EASEL_DISCORD_INTERACTIONS=http the gateway carries message events only, and
 * EASEL_DISCORD_GATEWAY=off makes an interactions-only replica (no session, no delivery).
 */
import { Client } from 'discord.js';
import type { AdapterDeps, RunningAdapter } from '../types.ts';
import { commands } from './commands/index.ts';
import { clientOptions, loginWithIntentFallback } from './client.ts';
import { startInteractionsEndpoint, type InteractionsEndpoint } from './interactions-endpoint.ts';
import { interactionFromPayload } from './raw-interaction.ts';
import type { DiscordContext } from './context.ts';
import { createDelivery } from './delivery.ts';
import { describeError } from '../../util/describe-error.ts';
import { handleReplyWithPhoto } from './reply-flow.ts';
import { createRouter } from './router.ts';
import { explainGatewayError } from './sharding.ts';
import { createRedis } from '../../jobs/redis.ts';
import { ShardLeases } from './shard-leases.ts';
import { shareGlobalRateLimits, type GlobalBackoff } from './global-rate-limit.ts';

export interface DiscordAdapter extends RunningAdapter {
  /** The Interactions Endpoint's port (EASEL_DISCORD_INTERACTIONS=http; useful with PORT=0). */
  readonly interactionsPort?: number;
}

export async function startDiscordAdapter(deps: AdapterDeps): Promise<DiscordAdapter> {
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
      // Discord sends interactions either to the endpoint or over the gateway, never both.
      if (discord.interactionsHttp) return void log.debug({ interactionId: interaction.id }, 'discord: gateway interaction ignored (interactions come over HTTP)');
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
  const gatewayOn = discord.gateway !== false;
  try {
    login = gatewayOn ? await loginWithIntentFallback(discord, log, wire, { redis: gatewayRedis, prefix: config.redis.prefix, leases }) : restOnlyClient(discord);
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
  const route = createRouter(commands, ctx);
  state.ready = { ctx, route };
  let endpoint: InteractionsEndpoint | undefined;
  try {
    // An interactions-only replica shows a new job's queue position but leaves its delivery to the
    // gateway processes (whose caches know the servers' channels and threads).
    if (gatewayOn) await jobs.subscribe('discord', (event) => delivery.handle(event));
    const http = discord.interactionsHttp;
    if (http) {
      endpoint = await startInteractionsEndpoint({
        port: http.port,
        path: http.path,
        publicKey: http.publicKey,
        log,
        dispatch(payload) {
          if (state.closing) return false;
          const interaction = interactionFromPayload(client, payload);
          if (interaction) track(route(interaction));
          else log.debug({ interactionId: payload?.id, type: payload?.type }, 'discord: interaction kind without a handler');
          return true;
        },
      });
    }
  } catch (err) {
    await endpoint?.close();
    await client.destroy();
    await letGo();
    throw err;
  }
  log.info({ user: client.user?.tag, messageContent, threads: discord.useThreads, interactions: endpoint ? `http :${endpoint.port}` : 'gateway', gateway: gatewayOn }, 'discord: bot ready');

  return {
    platform: 'discord',
    interactionsPort: endpoint?.port,
    async close() {
      state.closing = true;
      await endpoint?.close();
      await Promise.allSettled([...inFlight]);
      await delivery.close();
      await client.destroy();
      // Only once the sessions are closed may another process take the shards.
      await letGo();
      log.info('discord: disconnected');
    },
  };
}

/**
 * EASEL_DISCORD_GATEWAY=off: a client that never connects to the gateway, only talks REST with the
 * bot token (interaction callbacks and webhooks need none; reading a channel's history does).
 */
function restOnlyClient(discord: NonNullable<AdapterDeps['config']['discord']>): { client: Client; messageContent: boolean } {
  const client = new Client(clientOptions(discord, false));
  client.rest.setToken(discord.token);
  return { client, messageContent: false };
}
