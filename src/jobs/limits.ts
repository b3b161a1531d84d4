/**
 * Admission: whether a request may become a job, decided before anything expensive happens (no
 * download, no decode, no Redis bytes for a refused request). One Lua script checks, in this order,
 *
 *   duplicate (same request id) → cooldown → per-user cap → per-server cap → global waiting cap
 *
 * and, when all pass, takes one reservation for all of them at once, so two requests racing from
 * the same user, server or anywhere cannot both slip under a limit.
 *
 * A requester is identified by platform + server (Discord guild, Slack workspace) + user id, so two
 * workspaces whose users share an id never share limits. The in-flight sets are zsets (job id →
 * reservation time). Finished jobs are pruned lazily on the next check by asking the queue for
 * their state, and the global "admitting" set (reserved, not yet in the queue) forgets entries
 * after a grace period: nothing has to remember to release a slot, so a crashed bot or worker can
 * never lock anyone out. Releasing early (a failed intake, a cancel, a cache hit) is still done.
 */
import type { Redis } from 'ioredis';
import type { Keys, Requester } from './keys.ts';

const ADMIT = `
-- KEYS: 1 request id marker, 2 user's jobs, 3 user's cooldown, 4 server's jobs (or ''), 5 admitting,
--       6 BullMQ wait list, 7 BullMQ prioritized zset
-- ARGV: 1 user max, 2 cooldown ms, 3 server max (0 = no server), 4 global max, 5 job id, 6 now,
--       7 admitting grace ms, 8 request marker ttl s
if redis.call('EXISTS', KEYS[1]) == 1 then return {'duplicate', 0} end
local cooldown = redis.call('PTTL', KEYS[3])
if cooldown > 0 then return {'cooldown', cooldown} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then return {'user-limit', 0} end
local serverMax = tonumber(ARGV[3])
if serverMax > 0 and redis.call('ZCARD', KEYS[4]) >= serverMax then return {'server-limit', 0} end
local now = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - tonumber(ARGV[7]))
local waiting = redis.call('LLEN', KEYS[6]) + redis.call('ZCARD', KEYS[7]) + redis.call('ZCARD', KEYS[5])
if waiting >= tonumber(ARGV[4]) then return {'queue-full', 0} end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[8])
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('PEXPIRE', KEYS[2], 604800000)
if serverMax > 0 then
  redis.call('ZADD', KEYS[4], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[4], 604800000)
end
redis.call('ZADD', KEYS[5], now, ARGV[5])
redis.call('PEXPIRE', KEYS[5], ARGV[7])
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[3], '1', 'PX', ARGV[2]) end
return {'ok', 0}
`;

/** A job reserved less than this long ago may not be in the queue yet (reserve happens before add). */
const ADD_GRACE_MS = 30_000;
/** A request id stays "already submitted" this long (a retried webhook arrives within minutes). */
export const DEDUPE_TTL_S = 24 * 3600;

export type AdmissionRefusal = 'duplicate' | 'cooldown' | 'user-limit' | 'server-limit' | 'queue-full';
export type Verdict = { ok: true } | { ok: false; code: AdmissionRefusal; retryAfterMs: number };

/** What the limits need to know about a job: its BullMQ state ('unknown' when it does not exist). */
export type JobStateLookup = (jobId: string) => Promise<string>;

export interface AdmissionLimits {
  userMaxJobs: number;
  userCooldownS: number;
  /** Waiting jobs one server (guild, workspace) may have; requests without a server are not counted. */
  serverMaxWaiting: number;
  maxWaiting: number;
  /** How long an admitted request may take to reach the queue (download + probe) before its global slot lapses. */
  admitGraceMs: number;
}

const FINISHED = new Set(['completed', 'failed']);
const NOT_WAITING = new Set(['completed', 'failed', 'active']);

export class Admission {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly limits: AdmissionLimits,
    private readonly jobState: JobStateLookup,
  ) {}

  /** Check every limit and reserve a slot in each, atomically. */
  async admit(who: Requester, jobId: string, now = Date.now()): Promise<Verdict> {
    await this.prune(this.keys.userJobs(who), FINISHED, now);
    if (who.server) await this.prune(this.keys.serverJobs(who.platform, who.server), NOT_WAITING, now);
    const q = `${this.keys.prefix}:render`;
    const [verdict, ms] = (await this.redis.eval(
      ADMIT,
      7,
      this.keys.request(jobId),
      this.keys.userJobs(who),
      this.keys.userCooldown(who),
      who.server ? this.keys.serverJobs(who.platform, who.server) : this.keys.serverJobs(who.platform, '-'),
      this.keys.admitting(),
      `${q}:wait`,
      `${q}:prioritized`,
      String(this.limits.userMaxJobs),
      String(Math.round(this.limits.userCooldownS * 1000)),
      String(who.server ? this.limits.serverMaxWaiting : 0),
      String(this.limits.maxWaiting),
      jobId,
      String(now),
      String(this.limits.admitGraceMs),
      String(DEDUPE_TTL_S),
    )) as [string, number];
    if (verdict === 'ok') return { ok: true };
    return { ok: false, code: verdict as AdmissionRefusal, retryAfterMs: Number(ms) };
  }

  /** The job is in the queue (or answered from the cache): it now counts as waiting, no longer as admitting. */
  async enqueued(jobId: string): Promise<void> {
    await this.redis.zrem(this.keys.admitting(), jobId);
  }

  /**
   * Give every slot back (the intake failed, the job was cancelled or answered from the cache).
   * `forgetRequest` also frees the request id so the same request can be tried again. The cooldown
   * stays: a refused or failed request costs the user the same wait as a successful one.
   */
  async release(who: Requester, jobId: string, opts: { forgetRequest?: boolean } = {}): Promise<void> {
    const m = this.redis.multi().zrem(this.keys.userJobs(who), jobId).zrem(this.keys.admitting(), jobId);
    if (who.server) m.zrem(this.keys.serverJobs(who.platform, who.server), jobId);
    if (opts.forgetRequest) m.del(this.keys.request(jobId));
    await m.exec();
  }

  private async prune(key: string, gone: ReadonlySet<string>, now: number): Promise<void> {
    const entries = await this.redis.zrange(key, 0, '-1', 'WITHSCORES');
    const stale: string[] = [];
    for (let i = 0; i < entries.length; i += 2) {
      const jobId = entries[i];
      const reservedAt = Number(entries[i + 1]);
      const state = await this.jobState(jobId);
      if (gone.has(state) || (state === 'unknown' && now - reservedAt > Math.max(ADD_GRACE_MS, this.limits.admitGraceMs))) stale.push(jobId);
    }
    if (stale.length) await this.redis.zrem(key, ...stale);
  }
}
