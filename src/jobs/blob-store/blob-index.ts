/**
 * The object store's index in Redis: which blobs exist, until when, and what the pending uploads
 * weigh — small keys only (a few dozen bytes per blob), never the bytes.
 *
 *   deadline  zset hash → when its object is to be deleted. Written *before* an upload, so an
 *             object that may exist always has an entry: a crash mid-upload leaves nothing the
 *             sweeper does not find.
 *   stored    hash hash → "<bytes>:<written at>", set only after the upload succeeded. A blob is
 *             readable while it is stored and its deadline has not passed.
 *   pending / pendingBytes  uploads no job refers to yet, with their sizes (the pending budget);
 *             pendingHolders counts the requests holding each (discard).
 *   deleting  hash hash → lease end, while a sweeper deletes its object: an upload of the same
 *             bytes waits for it, so a delete can never land on a freshly written object.
 *
 * Every change is one Lua script (atomic); times are the calling process's clock (like admission),
 * so keep hosts in NTP sync.
 */
import type { Redis } from 'ioredis';
import type { BlobIndexKeys } from '../keys.ts';

/** What an upload must do after `begin`. */
export type BeginVerdict = 'upload' | 'stored' | 'busy' | 'full';

/**
 * KEYS: 1 deadline, 2 stored, 3 deleting, 4 pending, 5 pendingBytes, 6 pendingHolders
 * ARGV: 1 hash, 2 bytes, 3 now, 4 keep ms, 5 pending (1/0), 6 budget, 7 rewrite objects older than (ms)
 */
const BEGIN = `
local h, size, now, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local del = redis.call('HGET', KEYS[3], h)
if del then
  if tonumber(del) > now then return 'busy' end
  redis.call('HDEL', KEYS[3], h)
end
if ARGV[5] == '1' then
  local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
  for _, g in ipairs(gone) do
    redis.call('HDEL', KEYS[5], g)
    redis.call('HDEL', KEYS[6], g)
  end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now) end
  local total = 0
  for _, v in ipairs(redis.call('HVALS', KEYS[5])) do total = total + tonumber(v) end
  local own = tonumber(redis.call('HGET', KEYS[5], h) or '0')
  if total - own + size > tonumber(ARGV[6]) then return 'full' end
  redis.call('ZADD', KEYS[4], 'GT', now + keep, h)
  redis.call('HSET', KEYS[5], h, size)
  redis.call('HINCRBY', KEYS[6], h, 1)
end
local deadline = tonumber(redis.call('ZSCORE', KEYS[1], h) or '0')
local stored = redis.call('HGET', KEYS[2], h)
redis.call('ZADD', KEYS[1], 'GT', now + keep, h)
if stored and deadline > now then
  local writtenAt = tonumber(string.match(stored, ':(%d+)$') or '0')
  if now - writtenAt < tonumber(ARGV[7]) then return 'stored' end
end
return 'upload'
`;

/** KEYS: 1 deleting, 2 stored · ARGV: 1 hash, 2 bytes, 3 now */
const PUBLISH = `
local del = redis.call('HGET', KEYS[1], ARGV[1])
if del and tonumber(del) > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ':' .. ARGV[3])
return 1
`;

/** KEYS: 1 deadline, 2 stored, 3 pending, 4 pendingBytes, 5 pendingHolders · ARGV: 1 now, 2 ttl ms, 3.. hashes */
const COMMIT = `
local upto = tonumber(ARGV[1]) + tonumber(ARGV[2])
for i = 3, #ARGV do
  local h = ARGV[i]
  if redis.call('HEXISTS', KEYS[2], h) == 1 then redis.call('ZADD', KEYS[1], 'GT', upto, h) end
  redis.call('ZREM', KEYS[3], h)
  redis.call('HDEL', KEYS[4], h)
  redis.call('HDEL', KEYS[5], h)
end
return 1
`;

/**
 * A request that will not become a job gives its pending upload back: one holder less; the last
 * one takes it out of the budget and makes it due now (unreadable at once, its object deleted by
 * the next sweep) — unless a job committed it meanwhile (no longer pending) or its deadline is
 * already a job's (beyond the pending keep).
 * KEYS: 1 deadline, 2 pending, 3 pendingBytes, 4 pendingHolders · ARGV: 1 hash, 2 now, 3 pending keep ms
 */
const DISCARD = `
local h, now = ARGV[1], tonumber(ARGV[2])
if not redis.call('ZSCORE', KEYS[2], h) then return 0 end
if redis.call('HINCRBY', KEYS[4], h, -1) > 0 then return 0 end
redis.call('HDEL', KEYS[4], h)
redis.call('ZREM', KEYS[2], h)
redis.call('HDEL', KEYS[3], h)
local deadline = tonumber(redis.call('ZSCORE', KEYS[1], h) or '0')
if deadline > 0 and deadline <= now + tonumber(ARGV[3]) then redis.call('ZADD', KEYS[1], now, h) end
return 1
`;

/**
 * Claim up to ARGV[3] expired blobs for deletion: each stops being readable at once, its deadline
 * becomes the lease end (a sweeper that dies mid-way leaves them to the next sweep), and uploads of
 * the same bytes wait until the delete is done.
 * KEYS: 1 deadline, 2 stored, 3 deleting, 4 pending, 5 pendingBytes, 6 pendingHolders · ARGV: 1 now, 2 lease end, 3 limit
 */
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, h in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[2], h)
  redis.call('HSET', KEYS[3], h, ARGV[2])
  redis.call('HDEL', KEYS[2], h)
  redis.call('ZREM', KEYS[4], h)
  redis.call('HDEL', KEYS[5], h)
  redis.call('HDEL', KEYS[6], h)
end
return ids
`;

/** KEYS: 1 deadline, 2 deleting · ARGV: 1 lease end, 2.. hashes whose objects are gone */
const FINISH = `
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do
  local h = ARGV[i]
  if tonumber(redis.call('ZSCORE', KEYS[1], h) or '-1') == lease then redis.call('ZREM', KEYS[1], h) end
  if tonumber(redis.call('HGET', KEYS[2], h) or '-1') == lease then redis.call('HDEL', KEYS[2], h) end
end
return 1
`;

/** KEYS: 1 pending, 2 pendingBytes, 3 pendingHolders · ARGV: 1 hash — an upload that failed gives its budget back. */
const ABANDON = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`;

export class BlobIndex {
  constructor(
    private readonly redis: Redis,
    private readonly k: BlobIndexKeys,
  ) {}

  private get all(): string[] {
    return [this.k.deadline, this.k.stored, this.k.deleting, this.k.pending, this.k.pendingBytes, this.k.pendingHolders];
  }

  /**
   * Before an upload: schedule the object's deletion at `now + keepMs` (never earlier than already
   * scheduled) and, for a pending upload, take its bytes from the budget. 'stored': the same bytes
   * are stored already (and young enough that a bucket lifecycle rule cannot catch them), so no
   * upload is needed; 'busy': a sweeper is deleting them right now, try again shortly.
   */
  async begin(hash: string, bytes: number, now: number, keepMs: number, pending: { budgetBytes: number } | undefined, rewriteAfterMs: number): Promise<BeginVerdict> {
    return (await this.redis.eval(BEGIN, 6, ...this.all, hash, bytes, now, keepMs, pending ? 1 : 0, pending?.budgetBytes ?? 0, rewriteAfterMs)) as BeginVerdict;
  }

  /** After a successful upload: the blob is readable. False when a sweeper claimed it meanwhile (upload again). */
  async publish(hash: string, bytes: number, now: number): Promise<boolean> {
    return (await this.redis.eval(PUBLISH, 2, this.k.deleting, this.k.stored, hash, bytes, now)) === 1;
  }

  async abandon(hash: string): Promise<void> {
    await this.redis.eval(ABANDON, 3, this.k.pending, this.k.pendingBytes, this.k.pendingHolders, hash);
  }

  /** A pending upload given back (see DISCARD); true when it was the last holder's. */
  async discard(hash: string, now: number, pendingKeepMs: number): Promise<boolean> {
    return (await this.redis.eval(DISCARD, 4, this.k.deadline, this.k.pending, this.k.pendingBytes, this.k.pendingHolders, hash, now, pendingKeepMs)) === 1;
  }

  async commit(hashes: readonly string[], now: number, ttlMs: number): Promise<void> {
    if (!hashes.length) return;
    await this.redis.eval(COMMIT, 5, this.k.deadline, this.k.stored, this.k.pending, this.k.pendingBytes, this.k.pendingHolders, now, ttlMs, ...hashes);
  }

  /** Readable: written, and its deadline not passed. */
  async alive(hash: string, now: number): Promise<boolean> {
    const [[, deadline], [, stored]] = (await this.redis.multi().zscore(this.k.deadline, hash).hexists(this.k.stored, hash).exec()) as [[unknown, string | null], [unknown, number]];
    return stored === 1 && deadline !== null && Number(deadline) > now;
  }

  /** When the blob's object is to be deleted (ms), or null when it has no entry. */
  async deadline(hash: string): Promise<number | null> {
    const score = await this.redis.zscore(this.k.deadline, hash);
    return score === null ? null : Number(score);
  }

  async claimExpired(now: number, leaseEnd: number, limit: number): Promise<string[]> {
    return (await this.redis.eval(CLAIM, 6, this.k.deadline, this.k.stored, this.k.deleting, this.k.pending, this.k.pendingBytes, this.k.pendingHolders, now, leaseEnd, limit)) as string[];
  }

  async finishDeletion(hashes: readonly string[], leaseEnd: number): Promise<void> {
    if (!hashes.length) return;
    await this.redis.eval(FINISH, 2, this.k.deadline, this.k.deleting, leaseEnd, ...hashes);
  }
}
