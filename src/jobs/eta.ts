/**
 * Queue position and ETA. Workers record how long recent renders took per quality; a waiting job's
 * ETA is the work ahead of it (jobs before it in the queue + what is left of the running ones)
 * spread over the worker slots alive now, plus its own expected render time.
 */
import type { Redis } from 'ioredis';
import { QUALITIES, type Quality } from '../config.ts';
import type { Keys } from './keys.ts';

/** Used until a deployment has rendered anything: rough CPU-class figures at the default size. */
export const DEFAULT_RENDER_MS: Record<Quality, number> = { fast: 3_000, draft: 20_000, balanced: 60_000, best: 180_000 };

const KEEP = 50;

export class RenderStats {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async record(quality: Quality, ms: number): Promise<void> {
    const key = this.keys.renderStats(quality);
    await this.redis.multi().lpush(key, Math.round(ms)).ltrim(key, 0, KEEP - 1).exec();
  }

  /** Median of recent render times per quality (the default where none were recorded). */
  async expected(): Promise<Record<Quality, number>> {
    const pipeline = this.redis.pipeline();
    for (const q of QUALITIES) pipeline.lrange(this.keys.renderStats(q), 0, -1);
    const results = (await pipeline.exec()) ?? [];
    const out = { ...DEFAULT_RENDER_MS };
    QUALITIES.forEach((q, i) => {
      const values = ((results[i]?.[1] as string[] | undefined) ?? []).map(Number).filter(Number.isFinite);
      if (values.length) out[q] = median(values);
    });
    return out;
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface EtaInput {
  /** Qualities of the waiting jobs ahead, in queue order. */
  ahead: Quality[];
  /** Running jobs: their quality and how far they are (0–100). */
  active: { quality: Quality; percent: number }[];
  own: Quality;
  /** Worker slots (sum of concurrency of live workers); at least 1 is assumed. */
  slots: number;
  expectedMs: Record<Quality, number>;
}

/** ms until the job is done (pure; see the module comment). */
export function estimateEtaMs(i: EtaInput): number {
  const slots = Math.max(1, i.slots);
  const ahead = i.ahead.reduce((sum, q) => sum + i.expectedMs[q], 0);
  const running = i.active.reduce((sum, a) => sum + i.expectedMs[a.quality] * (1 - Math.min(100, Math.max(0, a.percent)) / 100), 0);
  return Math.round((ahead + running) / slots + i.expectedMs[i.own]);
}
