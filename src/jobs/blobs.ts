/**
 * Blobs: image bytes (uploads, previews, results, recipes) keyed by their sha256, with a TTL, never
 * inside job JSON. The same bytes twice are stored once (and their TTL refreshed).
 *
 * The seam is `BlobStorage` below (adapters see its `BlobStore` part, types.ts), with two
 * implementations chosen by EASEL_BLOB_STORE:
 *
 *   redis  RedisBlobStore (this file): bytes in Redis as binary strings with a TTL — the embedded
 *          default, nothing else to run.
 *   s3     S3BlobStore (blob-store/s3.ts): bytes in an S3-compatible bucket; Redis keeps only a small
 *          index (deadlines, sizes, the pending budget) and a sweeper deletes what expired.
 *
 * Both: a key is handed out only once its bytes are fully stored (write, then publish the key);
 * `get` of a missing or expired key resolves null; a store that cannot be reached throws
 * BlobStoreUnavailable (users are told to try again later; jobs retry).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { keys as keysFor } from './keys.ts';
import { BlobStoreUnavailable, type BlobStore } from './types.ts';

/** The blob key of some bytes: their sha256, hex. */
export function blobKeyOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What the jobs layer needs of a blob store, beyond what adapters use (`BlobStore`). */
export interface BlobStorage extends BlobStore {
  /** A job refers to these blobs now: they get the full TTL and stop counting against the pending budget. */
  commit(keys: readonly string[]): Promise<void>;
  /** Whether a blob is still stored (e.g. a cached result whose bytes may have expired). */
  has(key: string): Promise<boolean>;
  /** Stop background work (the S3 store's sweeper); the Redis connection belongs to the caller. */
  close(): Promise<void>;
}

export { BlobStoreUnavailable };

/**
 * The configured store over a command client. `pending`: this side accepts uploads no job refers to
 * yet (the bot's intake), within EASEL_PENDING_BLOB_BUDGET_BYTES. The S3 store is loaded lazily, so
 * a Redis-only deployment never loads the AWS SDK.
 */
export async function createBlobStore(config: Config, redis: Redis, opts: { pending?: boolean; log?: Logger; sweep?: boolean } = {}): Promise<BlobStorage> {
  const k = keysFor(config.redis.prefix);
  const { ttlS, pendingTtlS, pendingBudgetBytes } = config.blobs;
  if (config.blobs.store === 's3') {
    const { createS3BlobStore } = await import('./blob-store/s3.ts');
    return createS3BlobStore(config, redis, { log: opts.log, sweep: opts.sweep ?? true });
  }
  return new RedisBlobStore(redis, k.blob, ttlS, opts.pending ? { setKey: k.pendingBlobs(), ttlS: pendingTtlS, budgetBytes: pendingBudgetBytes } : undefined);
}

/**
 * Store an upload no job refers to yet: a short TTL (never shortening a longer one the same bytes
 * already have), tracked in the pending set, refused when the pending bytes would pass the budget.
 * The sizes are read from the blobs themselves, so an expired upload stops counting by itself.
 * Each request holding the upload counts in the holders hash, so that one of them giving it back
 * (discardPending) never deletes bytes another still needs.
 */
const PUT_PENDING = `
-- KEYS: 1 blob, 2 pending set, 3 holders hash.  ARGV: 1 bytes, 2 ttl ms, 3 budget, 4 now, 5 blob key prefix, 6 blob hash
local now = tonumber(ARGV[4])
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do redis.call('HDEL', KEYS[3], gone) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local total = 0
for _, hash in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if hash ~= ARGV[6] then total = total + redis.call('STRLEN', ARGV[5] .. hash) end
end
if total + string.len(ARGV[1]) > tonumber(ARGV[3]) then return 0 end
local ttl = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl) end
redis.call('ZADD', KEYS[2], now + ttl, ARGV[6])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('HINCRBY', KEYS[3], ARGV[6], 1)
redis.call('PEXPIRE', KEYS[3], ttl)
return 1
`;

/**
 * A request that will not become a job gives its upload back: one holder less; the last one
 * takes it out of the pending set (its bytes stop counting against the budget) and deletes the
 * bytes — unless a job committed them meanwhile (no longer pending) or they already had a longer
 * TTL (a job's blob that was uploaded again).
 */
const DISCARD_PENDING = `
-- KEYS: 1 blob, 2 pending set, 3 holders hash.  ARGV: 1 blob hash, 2 pending ttl ms
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
if redis.call('HINCRBY', KEYS[3], ARGV[1], -1) > 0 then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('PTTL', KEYS[1]) <= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return 1
`;

export interface PendingBlobs {
  /** Redis key of the set of pending uploads. */
  setKey: string;
  ttlS: number;
  budgetBytes: number;
}

export class RedisBlobStore implements BlobStorage {
  constructor(
    private readonly redis: Redis,
    /** Full Redis key of a blob key (see keys.ts). */
    private readonly redisKey: (hash: string) => string,
    private readonly ttlS: number,
    private readonly pending?: PendingBlobs,
  ) {}

  async putPending(bytes: Buffer): Promise<string | undefined> {
    if (!this.pending) throw new Error('this blob store has no pending-upload budget');
    const key = blobKeyOf(bytes);
    const prefix = this.redisKey('');
    const stored = await this.redis.eval(PUT_PENDING, 3, this.redisKey(key), this.pending.setKey, this.holdersKey, bytes, String(this.pending.ttlS * 1000), String(this.pending.budgetBytes), String(Date.now()), prefix, key);
    return stored === 1 ? key : undefined;
  }

  /** A job refers to these blobs now: they get the full TTL and stop counting against the pending budget. */
  async commit(keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    const m = this.redis.multi();
    for (const key of keys) m.expire(this.redisKey(key), this.ttlS, 'GT');
    if (this.pending) m.zrem(this.pending.setKey, ...keys).hdel(this.holdersKey, ...keys);
    await m.exec();
  }

  /** Give back an upload stored with putPending whose request will not become a job (see DISCARD_PENDING). */
  async discardPending(key: string): Promise<void> {
    if (!this.pending) return;
    await this.redis.eval(DISCARD_PENDING, 3, this.redisKey(key), this.pending.setKey, this.holdersKey, key, String(this.pending.ttlS * 1000));
  }

  /** How many requests hold each pending upload (beside the pending set). */
  private get holdersKey(): string {
    return `${this.pending?.setKey}:holders`;
  }

  async put(bytes: Buffer): Promise<string> {
    const key = blobKeyOf(bytes);
    // SET … EX both stores new bytes and refreshes the TTL of bytes stored before (same hash).
    await this.redis.set(this.redisKey(key), bytes, 'EX', this.ttlS);
    return key;
  }

  async get(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.redisKey(key));
  }

  /** Whether a blob is still stored (e.g. a cached result whose bytes may have expired). */
  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(this.redisKey(key))) === 1;
  }

  /** Seconds left before a blob expires (-2 when gone). */
  async ttl(key: string): Promise<number> {
    return this.redis.ttl(this.redisKey(key));
  }

  async close(): Promise<void> {
    // Nothing of its own: the bytes expire in Redis by themselves.
  }
}
