/**
 * Result cache: (photo blob, style, effective options) → the JobResult of a finished render. A hit
 * is only a hit while the result's bytes are still stored, so the entry never outlives its blob.
 */
import type { Redis } from 'ioredis';
import type { BlobStorage } from './blobs.ts';
import type { Keys } from './keys.ts';
import type { JobResult } from './types.ts';

export class ResultCache {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly blobs: Pick<BlobStorage, 'has'>,
    private readonly ttlS: number,
  ) {}

  async get(cacheKey: string): Promise<JobResult | null> {
    const raw = await this.redis.get(this.keys.cache(cacheKey));
    if (!raw) return null;
    const result = JSON.parse(raw) as JobResult;
    if (!(await this.blobs.has(result.resultKey))) return null;
    if (result.animation && !(await this.blobs.has(result.animation.key))) return null;
    return { ...result, cached: true };
  }

  async put(cacheKey: string, result: JobResult): Promise<void> {
    await this.redis.set(this.keys.cache(cacheKey), JSON.stringify({ ...result, cached: false }), 'EX', this.ttlS);
  }
}
