/**
 * The pending registry: every job not yet delivered, per platform, in one Redis hash
 * (`pending:<platform>` jobId → request + submit time). Registered at submit, removed by the final
 * delivery's bookkeeping. Any bot process reads a job's request from here, so events need nothing
 * but the job id; a bounded in-memory cache spares the lookup for the jobs this process has seen.
 */
import type { Redis } from 'ioredis';
import type { Platform, StyleRequest } from '../../requests/style-request.ts';
import type { Keys } from '../keys.ts';

export interface PendingEntry {
  request: StyleRequest;
  submittedAt: number;
}

/** The job id starts with its platform (see jobIdFor), so an event is routed without a lookup. */
export function platformOfJobId(jobId: string): Platform | undefined {
  const p = jobId.split('-', 1)[0];
  return p === 'discord' || p === 'slack' || p === 'cli' ? p : undefined;
}

export class PendingRegistry {
  private readonly requests = new Map<string, StyleRequest>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly cacheEntries: number,
  ) {}

  async register(jobId: string, request: StyleRequest, now = Date.now()): Promise<void> {
    const entry: PendingEntry = { request, submittedAt: now };
    await this.redis.hset(this.keys.pending(request.platform), jobId, JSON.stringify(entry));
  }

  async unregister(platform: Platform, jobId: string): Promise<void> {
    this.requests.delete(jobId);
    await this.redis.hdel(this.keys.pending(platform), jobId);
  }

  async get(platform: Platform, jobId: string): Promise<PendingEntry | undefined> {
    const raw = await this.redis.hget(this.keys.pending(platform), jobId);
    return raw ? (JSON.parse(raw) as PendingEntry) : undefined;
  }

  async has(platform: Platform, jobId: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.pending(platform), jobId)) === 1;
  }

  async all(platform: Platform): Promise<Map<string, PendingEntry>> {
    const all = await this.redis.hgetall(this.keys.pending(platform));
    return new Map(Object.entries(all).map(([id, v]) => [id, JSON.parse(v) as PendingEntry]));
  }

  /** The request of a job still pending (from memory when this process saw it), else undefined. */
  async requestOf(jobId: string): Promise<StyleRequest | undefined> {
    const known = this.requests.get(jobId);
    if (known) return known;
    const platform = platformOfJobId(jobId);
    const entry = platform && (await this.get(platform, jobId));
    if (!entry) return undefined;
    this.remember(jobId, entry.request);
    return entry.request;
  }

  remember(jobId: string, request: StyleRequest): void {
    if (this.requests.size >= this.cacheEntries) this.requests.clear();
    this.requests.set(jobId, request);
  }

  forget(jobId: string): void {
    this.requests.delete(jobId);
  }
}
