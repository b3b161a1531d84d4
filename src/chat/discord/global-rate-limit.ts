/**
 * A global 429 (`X-RateLimit-Global`) backs off every bot process, not only the one that got it
 * (issue 22). Discord's global limit is per bot token, so one process hitting it means all of
 * them are over: the process that receives such a 429 publishes when the limit ends; every
 * process then holds its own REST queue until then, exactly as discord.js holds it after its own
 * global 429 (interaction callbacks, which Discord exempts, are never held: discord.js sends them
 * through its burst handler, which ignores the global hold). A shared REST proxy in front
 * (README "Scaling out") does the same for all routes; this covers deployments without one.
 *
 *   PUBLISH <prefix>:discord:global-429  <epoch ms when requests may resume>
 *
 * Only a 429 *response* is published, never discord.js's `rateLimited` event: that event also
 * fires whenever a request merely waits on a hold — including a hold received from another
 * process — so publishing it echoed every hold back and forth, each echo extending it by
 * discord.js's offset, and no process sent anything again.
 */
import type { Redis } from 'ioredis';
import type { REST, ResponseLike } from 'discord.js';
import type { Logger } from '../../log.ts';

export interface GlobalBackoff {
  /** Resolves once this process listens for other processes' global 429s. */
  subscribed: Promise<void>;
  close(): Promise<void>;
}

/** When a response is a global 429, the epoch ms at which requests may resume; otherwise undefined. */
export function globalLimitEnd(res: Pick<ResponseLike, 'status' | 'headers'>, now = Date.now()): number | undefined {
  if (res.status !== 429 || !res.headers.has('x-ratelimit-global')) return undefined;
  const retryAfterS = Number(res.headers.get('retry-after'));
  return Number.isFinite(retryAfterS) && retryAfterS > 0 ? now + retryAfterS * 1000 : undefined;
}

/** Share global 429s between processes over Redis pub/sub; `subscriber` is a dedicated connection. */
export async function shareGlobalRateLimits(rest: REST, publisher: Redis, subscriber: Redis, opts: { prefix: string; log: Logger }): Promise<GlobalBackoff> {
  const channel = `${opts.prefix}:discord:global-429`;
  /** Hold this process's REST queue until `until`, the way discord.js holds it after its own 429. */
  const holdUntil = (until: number) => {
    if (!(until > Date.now()) || (rest.globalRemaining <= 0 && until <= rest.globalReset)) return;
    rest.globalRemaining = 0;
    rest.globalReset = until;
  };
  const onMessage = (ch: string, message: string) => {
    if (ch === channel) holdUntil(Number(message));
  };
  subscriber.on('message', onMessage);
  // Not awaited: a Redis that is down must not hold up the bot's start (ioredis subscribes once it connects).
  const subscribed = subscriber.subscribe(channel).catch((err) => opts.log.warn({ err: String(err) }, 'discord: global rate limits are not shared with other bot processes (Redis)'));
  const onResponse = (_request: unknown, res: ResponseLike) => {
    const until = globalLimitEnd(res);
    if (until === undefined) return;
    opts.log.warn({ retryAfterMs: until - Date.now() }, 'discord: global rate limit (429) hit; every bot process pauses its requests until it resets');
    publisher.publish(channel, String(until)).catch((err) => opts.log.warn({ err: String(err) }, 'discord: could not share a global rate limit'));
  };
  rest.on('response', onResponse);
  return {
    subscribed: subscribed.then(() => undefined),
    async close() {
      rest.off('response', onResponse);
      subscriber.off('message', onMessage);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
