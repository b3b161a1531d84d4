/**
 * Status updates — one editor per job, however many bot processes run.
 *
 *   publish(jobId, status)   any process: the job's latest status into `status:<jobId>` (never
 *                            replaced by an older kind: queued < active < progress, unless the job
 *                            went back in line), then one job in the platform's status queue,
 *                            deduplicated per job id (BullMQ deduplication with keepLastIfActive:
 *                            at most one waiting and one active per job; the status itself is read
 *                            when the edit runs, so the latest state always wins)
 *   consume(platform, h)     the platform's editor process (editor-role.ts) runs a BullMQ worker on
 *                            its status queue: each update passes the edit gate (no edit in
 *                            flight, the interval since the last one passed — else the update is
 *                            delayed by exactly what is left), skips it when the final event is being
 *                            or has been delivered, and hands the latest status to the handler
 *
 * The queue's rate limiter (queue-wide, over all processes) keeps Discord's status edits under the
 * bot token's per-second limit. When the editing process dies, its editor role, BullMQ's lock on
 * its update and the edit gate's lease all lapse after EASEL_STATUS_LOCK_MS; the next editor's
 * worker takes the stalled update back and the status carries on from there.
 */
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config, DeliveryConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Platform, StyleRequest } from '../../requests/style-request.ts';
import { describeError } from '../../util/describe-error.ts';
import { statusQueueName, type Keys } from '../keys.ts';
import { bullConnection, closeWithin, connectionErrorLogger } from '../redis.ts';
import { RetryAfter, type JobEvent, type JobEventHandler, type StatusUpdate } from '../types.ts';
import { withDeadline } from './deadline.ts';
import type { EditGate } from './edit-gate.ts';
import { platformOfJobId, type PendingRegistry } from './pending-registry.ts';

/** BullMQ job name of a status update; its data is only the job id. */
const STATUS_JOB = 'status';

/** Later kinds never give way to earlier ones (an 'active' must not be undone by a late 'queued at 3'). */
const RANK: Record<StatusUpdate['type'], number> = { queued: 0, active: 1, progress: 2 };

/**
 * Store a status unless a later kind is stored already (or store it anyway: a job back in line);
 * `version` counts the stores, `shown` is the version last edited in (so an update finds nothing new
 * and edits nothing). KEYS: status · ARGV: status JSON, rank, force ('1'/'0'), ttlS. Returns 1 when stored.
 */
const STORE_IF_NEWER = `
local rank = redis.call('HGET', KEYS[1], 'rank')
if ARGV[3] == '1' or not rank or tonumber(ARGV[2]) >= tonumber(rank) then
  redis.call('HSET', KEYS[1], 'rank', ARGV[2], 'status', ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return 1
end
return 0`;

/** The version just edited in, unless the status is gone meanwhile (delivered: nothing to keep). KEYS: status · ARGV: version */
const MARK_SHOWN = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'shown', ARGV[1]) end return 1`;

export interface StatusUpdatesDeps {
  redis: Redis;
  keys: Keys;
  pending: PendingRegistry;
  gate: EditGate;
  /** Whether the job's final event is being or has been delivered. */
  isSettled(jobId: string): Promise<boolean>;
  /** The config BullMQ's connection is made from (through the one factory, bullConnection) and the key prefix (the render queue's). */
  bull: { config: Config; prefix: string };
  config: Pick<DeliveryConfig, 'editIntervalMs' | 'editsPerSecond' | 'statusLockMs' | 'statusConcurrency' | 'statusTtlS' | 'deadlineMs'>;
  log: Logger;
}

interface StatusJobData {
  jobId: string;
}

export class StatusUpdates {
  private readonly queues = new Map<Platform, Queue<StatusJobData>>();
  private readonly workers = new Map<Platform, Worker<StatusJobData>>();

  constructor(private readonly deps: StatusUpdatesDeps) {}

  /** Record `status` as the job's latest and make sure one edit of it is on its way. */
  async publish(jobId: string, status: StatusUpdate, opts: { force?: boolean } = {}): Promise<void> {
    const { redis, keys, config } = this.deps;
    const platform = platformOfJobId(jobId);
    if (!platform || platform === 'cli') return;
    const stored = await redis.eval(STORE_IF_NEWER, 1, keys.status(jobId), JSON.stringify(status), RANK[status.type], opts.force ? '1' : '0', config.statusTtlS);
    if (stored !== 1) return;
    await this.queue(platform).add(STATUS_JOB, { jobId }, { deduplication: { id: jobId, keepLastIfActive: true }, removeOnComplete: true, removeOnFail: true });
  }

  /** Edit this platform's status messages in this process (while it holds the platform's editor role). */
  consume(platform: Platform, handler: JobEventHandler): void {
    if (this.workers.has(platform)) return;
    const { bull, config, log } = this.deps;
    const perSecond = config.editsPerSecond[platform as 'discord' | 'slack'];
    const worker = new Worker<StatusJobData>(statusQueueName(platform), (job, token) => this.edit(job, token, handler), {
      connection: bullConnection(bull.config),
      prefix: bull.prefix,
      concurrency: config.statusConcurrency,
      lockDuration: config.statusLockMs,
      stalledInterval: config.statusLockMs,
      ...(perSecond ? { limiter: { max: perSecond, duration: 1000 } } : {}),
    });
    worker.on('error', connectionErrorLogger(`status-${platform}`, log));
    worker.on('failed', (job, err) => log.warn({ jobId: job?.data.jobId, err: describeError(err) }, 'status update failed'));
    this.workers.set(platform, worker);
  }

  /** Stop editing this platform's statuses here (the editor role went elsewhere); waits for the edit in flight. */
  async stopConsuming(platform: Platform): Promise<void> {
    const worker = this.workers.get(platform);
    this.workers.delete(platform);
    // Bounded: the editor role waits for this before it may be taken again (a close hung on a
    // failed-over Redis would leave the platform without an editor).
    if (worker) await closeWithin(worker, this.deps.config.statusLockMs, `the ${platform} status worker`, this.deps.log);
  }

  async close(): Promise<void> {
    const { statusLockMs } = this.deps.config;
    await Promise.all([...this.workers].map(([platform, w]) => closeWithin(w, statusLockMs, `the ${platform} status worker`, this.deps.log)));
    await Promise.all([...this.queues].map(([platform, q]) => closeWithin(q, statusLockMs, `the ${platform} status queue`, this.deps.log)));
  }

  private queue(platform: Platform): Queue<StatusJobData> {
    let queue = this.queues.get(platform);
    if (!queue) {
      queue = new Queue<StatusJobData>(statusQueueName(platform), { connection: bullConnection(this.deps.bull.config), prefix: this.deps.bull.prefix });
      queue.on('error', connectionErrorLogger(`status-queue-${platform}`, this.deps.log));
      this.queues.set(platform, queue);
    }
    return queue;
  }

  /** One status update: pass the gate, show the latest status, leave the spacing for the next one. */
  private async edit(job: Job<StatusJobData>, token: string | undefined, handler: JobEventHandler): Promise<void> {
    const { redis, keys, pending, gate, config, log } = this.deps;
    const { jobId } = job.data;
    const request = await pending.requestOf(jobId);
    if (!request) return; // delivered, or not ours to show
    const entry = await gate.enter(jobId);
    if ('waitMs' in entry) return later(job, token, entry.waitMs);
    let spacingMs: number | undefined; // set once an edit goes out
    let retryAfterMs: number | undefined;
    try {
      if (await this.deps.isSettled(jobId)) return;
      const [raw, version, shown] = await redis.hmget(keys.status(jobId), 'status', 'version', 'shown');
      if (!raw || version === shown) return; // nothing new since the last edit
      spacingMs = config.editIntervalMs;
      await gate.beforeEdit(jobId, config.editIntervalMs);
      await withDeadline(handler(statusEvent(jobId, request, JSON.parse(raw) as StatusUpdate)), config.deadlineMs);
      await redis.eval(MARK_SHOWN, 1, keys.status(jobId), version ?? '');
    } catch (err) {
      if (err instanceof RetryAfter) {
        retryAfterMs = err.afterMs;
        spacingMs = Math.max(spacingMs ?? 0, err.afterMs);
      } else {
        log.warn({ jobId, err: describeError(err) }, 'status edit failed; the next update tries again');
      }
    } finally {
      await gate.leave(entry.lease, jobId, spacingMs);
    }
    // The refused status (or a newer one) is shown once the platform's wait is over.
    if (retryAfterMs !== undefined) await later(job, token, retryAfterMs);
  }
}

/** Put the update back for `ms` (BullMQ's manual delay: the job keeps its place in the deduplication). */
async function later(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

function statusEvent(jobId: string, request: StyleRequest, status: StatusUpdate): JobEvent {
  switch (status.type) {
    case 'queued':
      return { type: 'queued', jobId, request, position: status.position, etaMs: status.etaMs, workersOnline: status.workersOnline };
    case 'active':
      return { type: 'active', jobId, request };
    case 'progress':
      return { type: 'progress', jobId, request, progress: status.progress };
  }
}
