/**
 * The render queue (BullMQ) and the options every job gets: retries with exponential backoff for
 * transient failures (bad input throws UnrecoverableError and is never retried), finished jobs kept
 * long enough for a restarted bot to deliver them, then removed by age and count.
 */
import { Queue, QueueEventsProducer, type JobsOptions } from 'bullmq';
import type { Config } from '../config.ts';
import type { JobData } from './job-data.ts';
import { costOf } from './job-data.ts';
import { priorityFor } from './eta.ts';
import { QUEUE_NAME } from './keys.ts';
import { bullConnection } from './redis.ts';
import type { JobResult } from './types.ts';

export type RenderQueue = Queue<JobData, JobResult>;

/** Finished jobs stay a day (results are blobs with the same default TTL), at most this many. */
export const KEEP_COMPLETED = { age: 24 * 3600, count: 5000 };
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 5000 };
/** First retry after 5 s, then 10 s, 20 s… */
const BACKOFF_MS = 5_000;

/** The producer side's queue. No offline queue (BullMQ's advice for producers): an add while Redis is down fails at once. */
export function createRenderQueue(config: Config): RenderQueue {
  return new Queue<JobData, JobResult>(QUEUE_NAME, { connection: { ...bullConnection(config), enableOfflineQueue: false }, prefix: config.redis.prefix });
}

export function createEventsProducer(config: Config): QueueEventsProducer {
  return new QueueEventsProducer(QUEUE_NAME, { connection: bullConnection(config), prefix: config.redis.prefix });
}

export function jobOptions(jobId: string, data: JobData, config: Config): JobsOptions {
  return {
    jobId,
    // Cheapest first (pixels × evaluations), whatever the tier: small jobs never wait behind a huge one.
    priority: priorityFor(costOf(data)),
    attempts: config.jobs.attempts,
    backoff: { type: 'exponential', delay: BACKOFF_MS },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  };
}

/** States in which a job counts as waiting (for the global cap and positions). */
export const WAITING_STATES = ['wait', 'prioritized'] as const;
