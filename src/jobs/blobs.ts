/**
 * Blobs: image bytes live in Redis as binary strings keyed by their sha256, with a TTL, never inside
 * job JSON. The same upload twice is stored once (and its TTL refreshed). `BlobStore` (types.ts) is
 * the seam: an object store (S3, GCS) can replace this class without touching the queue.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BlobStore } from './types.ts';

/** The blob key of some bytes: their sha256, hex. */
export function blobKeyOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class RedisBlobStore implements BlobStore {
  constructor(
    private readonly redis: Redis,
    /** Full Redis key of a blob key (see keys.ts). */
    private readonly redisKey: (hash: string) => string,
    private readonly ttlS: number,
  ) {}

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
}
