/**
 * Where a waiting job stands: its 1-based place in the order workers will take jobs (BullMQ's
 * plain wait list first, then the prioritized set by priority, FIFO within a priority) and its ETA.
 *
 * Read from BullMQ's own keys in two cheap range reads, not by loading every waiting job: the
 * prioritized set's score is `priority · 2³² + arrival counter`, and our priority *is* the job's
 * estimated cost (eta.ts renderCost), so the work ahead is known from the scores alone. With a long line
 * this keeps each submit O(waiting ids) instead of O(waiting jobs' data).
 */
import type { Redis } from 'ioredis';
import { estimateEtaMs, type RenderStats } from './eta.ts';
import { costOf } from './job-data.ts';
import type { RenderQueue } from './queue.ts';
import type { JobProgress } from './types.ts';
import type { WorkerRegistry } from './worker-registry.ts';

export interface Position {
  position: number;
  etaMs?: number;
  /** Render slots of live workers; 0 means no worker is running and the job waits for one. */
  workersOnline: number;
}

const SCORE_SHIFT = 0x100000000;

const WAITING = new Set(['waiting', 'prioritized', 'delayed']);

/** Job ids and costs in the order workers will take them. */
export async function waitingLine(redis: Redis, queue: RenderQueue): Promise<Array<{ id: string; cost: number }>> {
  const [plain, prioritized] = await Promise.all([
    redis.lrange(queue.keys.wait, 0, -1),
    redis.zrange(queue.keys.prioritized, 0, '-1', 'WITHSCORES'),
  ]);
  // The wait list is LPUSHed and taken from the right: oldest last. Jobs land there only in rare
  // paths (priority 0); read their cost from the job.
  const head = await Promise.all(plain.reverse().map(async (id) => ({ id, cost: costOrOne((await queue.getJob(id))?.data) })));
  const rest: Array<{ id: string; cost: number }> = [];
  for (let i = 0; i < prioritized.length; i += 2) {
    rest.push({ id: prioritized[i], cost: Math.max(1, Math.floor(Number(prioritized[i + 1]) / SCORE_SHIFT)) });
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
  const [active, slots, msPerUnit] = await Promise.all([queue.getActive(), workers.slots(), stats.msPerUnit()]);
  const own = line[index]?.cost ?? costOrOne((await queue.getJob(jobId))?.data);
  const etaMs = estimateEtaMs({
    ahead: line.slice(0, index).map((j) => j.cost),
    active: active.filter((j) => j !== undefined).map((j) => ({ cost: costOrOne(j.data), percent: percentOf(j.progress) })),
    own,
    slots,
    msPerUnit,
  });
  return { position: index + 1, etaMs, workersOnline: slots };
}

/** A job's cost from its data; 1 for data that is not a job's (anything can write to Redis). */
function costOrOne(data: Parameters<typeof costOf>[0] | undefined): number {
  try {
    return data ? costOf(data) : 1;
  } catch {
    return 1;
  }
}

function percentOf(progress: unknown): number {
  const p = progress as Partial<JobProgress> | number | undefined;
  if (typeof p === 'number') return p;
  return typeof p?.percent === 'number' ? p.percent : 0;
}
