/**
 * A global 429 (`X-RateLimit-Global`) backs off every bot process, not only the one that got it
 * (issue 22). Discord's global limit is per bot token, so one process hitting it means all of
 * them are over: the process that sees it (discord.js emits `rateLimited` with `global: true`)
 * publishes when the limit ends; every process then holds its own REST queue until then, as
 * discord.js does on its own 429. (A shared REST proxy in front — README "Scaling out" — does the
 * same for all routes; this covers deployments without one.)
 *
 *   PUBLISH <prefix>:discord:global-429  <epoch ms when requests may resume>
 */
import type { Redis } from 'ioredis';
import type { REST } from 'discord.js';
import type { Logger } from '../../log.ts';

export interface GlobalBackoff {
  /** Resolves once this process listens for other processes' global 429s. */
  subscribed: Promise<void>;
  close(): Promise<void>;
}

/** Share global 429s between processes over Redis pub/sub; `subscriber` is a dedicated connection. */
export async function shareGlobalRateLimits(rest: REST, publisher: Redis, subscriber: Redis, opts: { prefix: string; log: Logger }): Promise<GlobalBackoff> {
  const channel = `${opts.prefix}:discord:global-429`;
  /** Hold this process's REST queue until `until`, the way discord.js holds it after its own 429. */
  const holdUntil = (until: number) => {
    if (!(until > Date.now()) || until <= rest.globalReset) return;
    rest.globalRemaining = 0;
    rest.globalReset = until;
  };
  const onMessage = (ch: string, message: string) => {
    if (ch === channel) holdUntil(Number(message));
  };
  subscriber.on('message', onMessage);
  // Not awaited: a Redis that is down must not hold up the bot's start (ioredis subscribes once it connects).
  const subscribed = subscriber.subscribe(channel).catch((err) => opts.log.warn({ err: String(err) }, 'discord: global rate limits are not shared with other bot processes (Redis)'));
  const onRateLimited = (info: { global: boolean; retryAfter: number }) => {
    if (!info.global) return;
    const until = Date.now() + info.retryAfter;
    opts.log.warn({ retryAfterMs: info.retryAfter }, 'discord: global rate limit (429) hit; every bot process pauses its requests until it resets');
    publisher.publish(channel, String(until)).catch((err) => opts.log.warn({ err: String(err) }, 'discord: could not share a global rate limit'));
  };
  rest.on('rateLimited', onRateLimited);
  return {
    subscribed: subscribed.then(() => undefined),
    async close() {
      rest.off('rateLimited', onRateLimited);
      subscriber.off('message', onMessage);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
