/**
 * A member's daily quota on one server: pictures per UTC day. Taken atomically (check and count in
 * one Lua script, so two racing requests cannot both take the last one) and given back when a request
 * fails before it became a job. The counter expires two days after its day began, so nothing has to
 * clean up.
 */
import type { Redis } from 'ioredis';
import type { ServerScope } from './schema.ts';

const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return -1 end
used = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 172800000)
return used
`;

const DAY_MS = 86_400_000;

export type QuotaVerdict = { ok: true; used: number } | { ok: false; code: 'daily-quota'; retryAfterMs: number };

export class DailyQuota {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(scope: ServerScope, userId: string, now: number): string {
    const day = new Date(now).toISOString().slice(0, 10);
    return `${this.prefix}:quota:${scope.platform}:${encodeURIComponent(scope.serverId)}:${encodeURIComponent(userId)}:${day}`;
  }

  /** Take one picture from today's quota, or say when the next day starts. */
  async take(scope: ServerScope, userId: string, quota: number, now = Date.now()): Promise<QuotaVerdict> {
    const used = Number(await this.redis.eval(TAKE, 1, this.key(scope, userId, now), String(quota)));
    if (used >= 0) return { ok: true, used };
    return { ok: false, code: 'daily-quota', retryAfterMs: DAY_MS - (now % DAY_MS) };
  }

  /** Give one back (the request failed before it became a job). Never below zero. */
  /** Delete every member's counters on the server (a workspace that removed the app). Returns how many. */
  async purge(scope: ServerScope): Promise<number> {
    const pattern = `${this.prefix}:quota:${scope.platform}:${encodeURIComponent(scope.serverId)}:*`;
    let cursor = '0';
    let purged = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length) purged += await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return purged;
  }

  async giveBack(scope: ServerScope, userId: string, now = Date.now()): Promise<void> {
    const key = this.key(scope, userId, now);
    await this.redis.eval(`if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end return 0`, 1, key);
  }
}
