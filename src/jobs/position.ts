/**
 * Where a waiting job stands: its 1-based place in the order workers will take jobs (BullMQ's
 * plain wait list first, then the prioritized set by priority, FIFO within a priority) and its ETA.
 */
import type { Quality } from '../config.ts';
import { estimateEtaMs, type RenderStats } from './eta.ts';
import type { RenderQueue } from './queue.ts';
import type { JobProgress } from './types.ts';
import type { WorkerRegistry } from './worker-registry.ts';

export interface Position {
  position: number;
  etaMs?: number;
}

const WAITING = new Set(['waiting', 'prioritized', 'delayed']);

export async function queuePosition(queue: RenderQueue, stats: RenderStats, workers: WorkerRegistry, jobId: string): Promise<Position | null> {
  const state = await queue.getJobState(jobId);
  if (!WAITING.has(state)) return null;
  // Ascending = the order workers take them; start/end apply per state, so this is all of both.
  const waiting = (await queue.getJobs(['wait', 'prioritized'], 0, -1, true)).filter((j) => j !== undefined);
  let index = waiting.findIndex((j) => j.id === jobId);
  // A delayed job (retry backoff) joins the end of the line when its delay is over.
  if (index < 0) index = waiting.length;
  const [active, slots, expectedMs] = await Promise.all([queue.getActive(), workers.slots(), stats.expected()]);
  const own = waiting[index]?.data.options.quality ?? (await queue.getJob(jobId))?.data.options.quality ?? 'balanced';
  const etaMs = estimateEtaMs({
    ahead: waiting.slice(0, index).map((j) => j.data.options.quality as Quality),
    active: active.filter((j) => j !== undefined).map((j) => ({ quality: j.data.options.quality, percent: percentOf(j.progress) })),
    own,
    slots,
    expectedMs,
  });
  return { position: index + 1, etaMs };
}

function percentOf(progress: unknown): number {
  const p = progress as Partial<JobProgress> | number | undefined;
  if (typeof p === 'number') return p;
  return typeof p?.percent === 'number' ? p.percent : 0;
}
