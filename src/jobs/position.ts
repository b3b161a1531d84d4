/**
 * Where a waiting job stands: its 1-based place in the order workers will take jobs (BullMQ's
 * plain wait list first, then the prioritized set by priority, FIFO within a priority) and its ETA.
 *
 * Read from BullMQ's own keys in two cheap range reads, not by loading every waiting job: the
 * prioritized set's score is `priority · 2³² + arrival counter`, and our priority *is* the quality
 * tier (job-data.ts PRIORITY), so the work ahead is known from the scores alone. With a long line
 * this keeps each submit O(waiting ids) instead of O(waiting jobs' data).
 */
import type { Redis } from 'ioredis';
import type { Quality } from '../config.ts';
import { estimateEtaMs, type RenderStats } from './eta.ts';
import { PRIORITY } from './job-data.ts';
import type { RenderQueue } from './queue.ts';
import type { JobProgress } from './types.ts';
import type { WorkerRegistry } from './worker-registry.ts';

export interface Position {
  position: number;
  etaMs?: number;
  /** Render slots of live workers; 0 means no worker is running and the job waits for one. */
  workersOnline: number;
}

const QUALITY_OF_PRIORITY = new Map<number, Quality>(Object.entries(PRIORITY).map(([q, p]) => [p, q as Quality]));
const SCORE_SHIFT = 0x100000000;

const WAITING = new Set(['waiting', 'prioritized', 'delayed']);

/** Job ids and qualities in the order workers will take them. */
export async function waitingLine(redis: Redis, queue: RenderQueue): Promise<Array<{ id: string; quality: Quality }>> {
  const [plain, prioritized] = await Promise.all([
    redis.lrange(queue.keys.wait, 0, -1),
    redis.zrange(queue.keys.prioritized, 0, '-1', 'WITHSCORES'),
  ]);
  // The wait list is LPUSHed and taken from the right: oldest last. Jobs land there only in rare
  // paths (priority 0); read their quality from the job.
  const head = await Promise.all(
    plain.reverse().map(async (id) => ({ id, quality: ((await queue.getJob(id))?.data.options.quality ?? 'balanced') as Quality })),
  );
  const rest: Array<{ id: string; quality: Quality }> = [];
  for (let i = 0; i < prioritized.length; i += 2) {
    const priority = Math.floor(Number(prioritized[i + 1]) / SCORE_SHIFT);
    rest.push({ id: prioritized[i], quality: QUALITY_OF_PRIORITY.get(priority) ?? 'balanced' });
  }
  return [...head, ...rest];
}

export async function queuePosition(redis: Redis, queue: RenderQueue, stats: RenderStats, workers: WorkerRegistry, jobId: string): Promise<Position | null> {
  const state = await queue.getJobState(jobId);
  if (!WAITING.has(state)) return null;
  const line = await waitingLine(redis, queue);
  let index = line.findIndex((j) => j.id === jobId);
  // A delayed job (retry backoff) joins the end of the line when its delay is over.
  if (index < 0) index = line.length;
  const [active, slots, expectedMs] = await Promise.all([queue.getActive(), workers.slots(), stats.expected()]);
  const own = line[index]?.quality ?? (await queue.getJob(jobId))?.data.options.quality ?? 'balanced';
  const etaMs = estimateEtaMs({
    ahead: line.slice(0, index).map((j) => j.quality),
    active: active.filter((j) => j !== undefined).map((j) => ({ quality: j.data.options.quality, percent: percentOf(j.progress) })),
    own,
    slots,
    expectedMs,
  });
  return { position: index + 1, etaMs, workersOnline: slots };
}

function percentOf(progress: unknown): number {
  const p = progress as Partial<JobProgress> | number | undefined;
  if (typeof p === 'number') return p;
  return typeof p?.percent === 'number' ? p.percent : 0;
}
