/**
 * Identify safely across processes (issue 22). discord.js asks an IIdentifyThrottler before every
 * IDENTIFY (`ws.buildIdentifyThrottler`); its own throttler only knows its own process, so four
 * processes starting together each send IDENTIFYs in the same bucket and Discord answers op 9.
 * This one keeps the buckets in Redis, shared by every process of the bot:
 *
 *   <prefix>:discord:identify:<bucket>   set NX for one window after an IDENTIFY in that bucket
 *
 * Buckets are `shard_id % max_concurrency`, one IDENTIFY per bucket per window (5 s), as Discord
 * rules. Before each IDENTIFY it also checks the day's session starts: below
 * EASEL_MIN_SESSION_STARTS it logs once and waits for Discord's reset instead of identifying
 * (going past 1,000 a day resets the bot's token), so a restart loop cannot burn them either.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { APIGatewayBotInfo } from 'discord.js';
import type { Logger } from '../../log.ts';

/** Slack added to each window: the IDENTIFY leaves a moment after the slot is taken. */
const WINDOW_MARGIN_MS = 250;
/** How long to wait before asking Discord again while below the floor, at least. */
const MIN_FLOOR_RECHECK_MS = 30_000;

export interface IdentifyThrottlerOptions {
  /** Shared Redis; without it the buckets are kept in this process only. */
  redis?: Redis;
  prefix: string;
  windowMs: number;
  minSessionStarts: number;
  log: Logger;
  /** GET /gateway/bot (discord.js's manager caches it). */
  gatewayInfo: () => Promise<APIGatewayBotInfo>;
  /** Take the shard's lease first (one process per shard: shard-leases.ts). */
  acquireShard?: (shardId: number, signal: AbortSignal) => Promise<void>;
}

export class RedisIdentifyThrottler {
  private readonly local = new Map<number, number>();
  /** IDENTIFYs this throttler let through (for tests and logs). */
  granted = 0;

  constructor(private readonly opts: IdentifyThrottlerOptions) {}

  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    await this.opts.acquireShard?.(shardId, signal);
    const maxConcurrency = await this.waitForSessionStarts(shardId, signal);
    const bucket = shardId % maxConcurrency;
    for (;;) {
      const waitMs = await this.tryTake(bucket);
      if (waitMs === 0) {
        this.granted++;
        return;
      }
      await sleep(waitMs, undefined, { signal });
    }
  }

  /** Resolves with max_concurrency once enough session starts are left. */
  private async waitForSessionStarts(shardId: number, signal: AbortSignal): Promise<number> {
    for (let warned = false; ; warned = true) {
      const { session_start_limit: limit } = await this.opts.gatewayInfo();
      if (limit.remaining >= this.opts.minSessionStarts) return Math.max(1, limit.max_concurrency);
      const waitMs = Math.max(MIN_FLOOR_RECHECK_MS, limit.reset_after);
      if (!warned) {
        this.opts.log.error(
          { shard: shardId, remaining: limit.remaining, floor: this.opts.minSessionStarts, resetInMin: Math.ceil(limit.reset_after / 60_000) },
          `discord: not identifying shard ${shardId}: only ${limit.remaining} session starts left today (EASEL_MIN_SESSION_STARTS=${this.opts.minSessionStarts}); ` +
            `waiting for Discord to reset them in about ${Math.ceil(limit.reset_after / 60_000)} min rather than risk a token reset`,
        );
      }
      await sleep(waitMs, undefined, { signal });
    }
  }

  /** Take the bucket's slot for one window: 0 when taken, else how long until it frees. */
  private async tryTake(bucket: number): Promise<number> {
    const holdMs = this.opts.windowMs > 0 ? this.opts.windowMs + WINDOW_MARGIN_MS : 0;
    if (holdMs === 0) return 0;
    const { redis } = this.opts;
    if (!redis) {
      const now = Date.now();
      const until = this.local.get(bucket) ?? 0;
      if (until > now) return until - now;
      this.local.set(bucket, now + holdMs);
      return 0;
    }
    const key = `${this.opts.prefix}:discord:identify:${bucket}`;
    if ((await redis.set(key, String(process.pid), 'PX', holdMs, 'NX')) === 'OK') return 0;
    const ttl = await redis.pttl(key);
    return ttl > 0 ? ttl + 5 : 20;
  }
}
