/**
 * One process per shard (issue 22): before a shard identifies, its process takes the shard's lease
 * in Redis; the lease is renewed while the process runs and released on shutdown. A rolling
 * restart therefore never runs one shard twice for long: the new process waits until the old one
 * lets go (at shutdown) or, if the old one died, until its lease runs out (EASEL_SHARD_LEASE_MS).
 * Should two sessions still overlap (a frozen process whose lease expired), each message still
 * becomes at most one job: the intake's request-id dedupe is shared through Redis.
 *
 *   <prefix>:discord:shard:<count>:<id>   this process's token, with a PX expiry
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';

/** Take the lease when free or already ours (then extend it); else answer how long it has left. */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

/** Extend only a lease this process still holds (1), else 0. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** Delete only a lease this process holds. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Longest pause between two looks at a lease another process holds. */
const MAX_POLL_MS = 1_000;

export class ShardLeases {
  readonly token = randomUUID();
  private readonly held = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly opts: { prefix: string; leaseMs: number; log: Logger },
  ) {}

  key(shardId: number, shardCount: number): string {
    return `${this.opts.prefix}:discord:shard:${shardCount}:${shardId}`;
  }

  /** Resolves once this process holds the shard's lease (waits while another process holds it). */
  async acquire(shardId: number, shardCount: number, signal?: AbortSignal): Promise<void> {
    const key = this.key(shardId, shardCount);
    for (let warned = false; ; warned = true) {
      const wait = Number(await this.redis.eval(ACQUIRE, 1, key, this.token, String(this.opts.leaseMs)));
      if (wait === 0) {
        this.held.add(key);
        this.startRenewing();
        return;
      }
      if (!warned) this.opts.log.warn({ shard: shardId, waitMs: wait }, `discord: shard ${shardId} is still run by another process (its lease is held); waiting for it to let go before identifying`);
      await sleep(Math.min(wait, MAX_POLL_MS), undefined, { signal });
    }
  }

  /** Keys of the leases this process holds. */
  get keys(): string[] {
    return [...this.held];
  }

  private startRenewing(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.opts.leaseMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    for (const key of this.held) {
      const ok = await this.redis.eval(RENEW, 1, key, this.token, String(this.opts.leaseMs)).catch(() => -1);
      if (ok === 0) this.opts.log.error({ lease: key }, 'discord: lost a shard lease (this process was paused longer than EASEL_SHARD_LEASE_MS?); another process may run the shard too — messages still become one job each');
    }
  }

  /** Stop renewing and release every lease (shutdown). */
  async releaseAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const keys = [...this.held];
    this.held.clear();
    await Promise.allSettled(keys.map((key) => this.redis.eval(RELEASE, 1, key, this.token)));
  }

  /** Stop renewing without releasing (what a killed process leaves behind; tests). */
  abandon(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.held.clear();
  }
}
