/**
 * Outcome resolution: how a job ended (completed with its result, failed with the user's text,
 * cancelled), from the render queue's state or from a synthetic outcome recorded for jobs that
 * never ran (a cached result, a job cancelled while waiting). Null while it still waits or runs.
 */
import type { Redis } from 'ioredis';
import type { StyleRequest } from '../../requests/style-request.ts';
import { decodeFailure } from '../failures.ts';
import { WORDING } from '../../requests/wording.ts';
import type { Keys } from '../keys.ts';
import type { RenderQueue } from '../queue.ts';
import type { JobEvent, JobResult } from '../types.ts';
import type { PendingEntry } from './pending-registry.ts';

/** How a job ended. */
export type Outcome =
  | { type: 'completed'; result: JobResult }
  | { type: 'failed'; userMessage: string; reason: string }
  | { type: 'cancelled' };

export class Outcomes {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly queue: RenderQueue,
    private readonly opts: { lostAfterMs: number; ttlS: number },
  ) {}

  /** Record how a job ended when no worker ran it (cached result, cancelled while waiting). */
  async record(jobId: string, outcome: Outcome): Promise<void> {
    await this.redis.set(this.keys.outcome(jobId), JSON.stringify(outcome), 'EX', this.opts.ttlS);
  }

  /** How a job ended, or null while it is still waiting or running. */
  async resolve(jobId: string, entry: PendingEntry, now = Date.now()): Promise<Outcome | null> {
    const synthetic = await this.redis.get(this.keys.outcome(jobId));
    if (synthetic) return JSON.parse(synthetic) as Outcome;
    // State first, then the job: the finishing script writes the result and the state together,
    // so a job read after seeing 'completed' has its return value (read the other way round, it may not).
    const state = await this.queue.getJobState(jobId);
    if (state === 'unknown') {
      if (await this.redis.exists(this.keys.cancel(jobId))) return { type: 'cancelled' };
      if (now - entry.submittedAt > this.opts.lostAfterMs) return { type: 'failed', userMessage: WORDING.lost, reason: 'lost: job no longer in the queue' };
      return null; // not added yet (submit registers before it adds)
    }
    if (state !== 'completed' && state !== 'failed') return null;
    const job = await this.queue.getJob(jobId);
    if (!job) return null; // removed in between: the next sweep sees 'unknown'
    if (state === 'completed') return job.returnvalue ? { type: 'completed', result: job.returnvalue } : null;
    const f = decodeFailure(job.failedReason);
    return f.code === 'cancelled' ? { type: 'cancelled' } : { type: 'failed', userMessage: f.userMessage, reason: f.reason };
  }
}

export function toEvent(jobId: string, request: StyleRequest, outcome: Outcome): JobEvent {
  switch (outcome.type) {
    case 'completed':
      return { type: 'completed', jobId, request, result: outcome.result };
    case 'failed':
      return { type: 'failed', jobId, request, userMessage: outcome.userMessage, reason: outcome.reason };
    case 'cancelled':
      return { type: 'cancelled', jobId, request };
  }
}

export function undeliverableEvent(jobId: string, request: StyleRequest): JobEvent {
  return { type: 'failed', jobId, request, userMessage: WORDING.undeliverable, reason: 'undeliverable: every delivery attempt failed' };
}

export function lostEvent(jobId: string, request: StyleRequest): JobEvent {
  return { type: 'failed', jobId, request, userMessage: WORDING.lost, reason: 'lost: gone from Redis' };
}
