/**
 * Live workers: each worker process beats into one Redis hash (id → concurrency, host, time). The
 * bot side reads it for ETAs (how many render slots are there?) and /healthz; entries that stop
 * beating (a killed process) are pruned.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

export interface WorkerBeat {
  id: string;
  concurrency: number;
  host: string;
  pid: number;
  startedAt: number;
  ts: number;
}

export const BEAT_EVERY_MS = 10_000;
const STALE_AFTER_MS = 3 * BEAT_EVERY_MS;

export class WorkerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async beat(id: string, concurrency: number, startedAt: number): Promise<void> {
    const beat: WorkerBeat = { id, concurrency, host: hostname(), pid: process.pid, startedAt, ts: Date.now() };
    await this.redis.hset(this.keys.workers(), id, JSON.stringify(beat));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(this.keys.workers(), id);
  }

  async live(now = Date.now()): Promise<WorkerBeat[]> {
    const all = await this.redis.hgetall(this.keys.workers());
    const beats = Object.values(all).map((v) => JSON.parse(v) as WorkerBeat);
    const stale = beats.filter((b) => now - b.ts > STALE_AFTER_MS).map((b) => b.id);
    if (stale.length) await this.redis.hdel(this.keys.workers(), ...stale);
    return beats.filter((b) => now - b.ts <= STALE_AFTER_MS);
  }

  /** Render slots available now (sum of live workers' concurrency). */
  async slots(): Promise<number> {
    return (await this.live()).reduce((sum, b) => sum + b.concurrency, 0);
  }
}
