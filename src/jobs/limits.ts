/**
 * Fairness: a user may have at most `userMaxJobs` jobs waiting or running, and must wait
 * `userCooldownS` between submissions. The check and the reservation are one Lua script, so two
 * requests racing from the same user cannot both slip under the limit.
 *
 * A user's in-flight jobs are a zset (job id → reservation time). Finished jobs are pruned lazily on
 * the next check by asking the queue for their state: nothing has to remember to release a slot,
 * so a crashed worker or bot can never leave a user locked out.
 */
import type { Redis } from 'ioredis';
import type { Platform } from '../requests/style-request.ts';
import type { Keys } from './keys.ts';

const RESERVE = `
local cooldown = redis.call('PTTL', KEYS[2])
if cooldown > 0 then return {'cooldown', cooldown} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return {'user-limit', 0} end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], 604800000)
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
return {'ok', 0}
`;

/** A job reserved less than this long ago may not be in the queue yet (reserve happens before add). */
const ADD_GRACE_MS = 30_000;

export type Reservation = { ok: true } | { ok: false; code: 'user-limit' | 'cooldown'; retryAfterMs: number };

/** What the limits need to know about a job: its BullMQ state ('unknown' when it does not exist). */
export type JobStateLookup = (jobId: string) => Promise<string>;

const FINISHED = new Set(['completed', 'failed']);

export class UserLimits {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly limits: { userMaxJobs: number; userCooldownS: number },
    private readonly jobState: JobStateLookup,
  ) {}

  async reserve(platform: Platform, userId: string, jobId: string, now = Date.now()): Promise<Reservation> {
    await this.prune(platform, userId, now);
    const [verdict, ms] = (await this.redis.eval(
      RESERVE,
      2,
      this.keys.userJobs(platform, userId),
      this.keys.userCooldown(platform, userId),
      String(this.limits.userMaxJobs),
      String(Math.round(this.limits.userCooldownS * 1000)),
      jobId,
      String(now),
    )) as [string, number];
    if (verdict === 'ok') return { ok: true };
    return { ok: false, code: verdict as 'user-limit' | 'cooldown', retryAfterMs: Number(ms) };
  }

  /** Give a slot back at once (cancelled, or the job could not be added). */
  async release(platform: Platform, userId: string, jobId: string): Promise<void> {
    await this.redis.zrem(this.keys.userJobs(platform, userId), jobId);
  }

  /** Job ids the user has waiting or running. */
  async inFlight(platform: Platform, userId: string, now = Date.now()): Promise<string[]> {
    await this.prune(platform, userId, now);
    return this.redis.zrange(this.keys.userJobs(platform, userId), 0, '-1');
  }

  private async prune(platform: Platform, userId: string, now: number): Promise<void> {
    const key = this.keys.userJobs(platform, userId);
    const entries = await this.redis.zrange(key, 0, '-1', 'WITHSCORES');
    const stale: string[] = [];
    for (let i = 0; i < entries.length; i += 2) {
      const jobId = entries[i];
      const reservedAt = Number(entries[i + 1]);
      const state = await this.jobState(jobId);
      if (FINISHED.has(state) || (state === 'unknown' && now - reservedAt > ADD_GRACE_MS)) stale.push(jobId);
    }
    if (stale.length) await this.redis.zrem(key, ...stale);
  }
}
