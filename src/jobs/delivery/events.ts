/**
 * Event fan-out: the render queue's events (BullMQ QueueEvents, seen by every bot process) turned
 * into delivery work. Final events (completed, failed, Easel's own outcome event) trigger a fenced
 * final delivery; the rest become status updates (active, progress, back in line) for the job's one
 * editor. Jobs of platforms this process does not serve are left to the processes that do.
 */
import type { QueueEvents } from 'bullmq';
import type { Logger } from '../../log.ts';
import { describeError } from '../../util/describe-error.ts';
import { EVENTS } from '../keys.ts';
import type { Position } from '../position.ts';
import type { JobProgress, StatusUpdate } from '../types.ts';
import { platformOfJobId } from './pending-registry.ts';

export interface FanOutTargets {
  /** Whether this process delivers this platform's jobs. */
  handles(platform: NonNullable<ReturnType<typeof platformOfJobId>>): boolean;
  /** A job may have finished: deliver its final event if it did. */
  onFinished(jobId: string): Promise<void>;
  publishStatus(jobId: string, status: StatusUpdate, opts?: { force?: boolean }): Promise<void>;
  /** Whether the job still waits for delivery (a requeued job's position is looked up only then). */
  isPending(jobId: string): Promise<boolean>;
  position(jobId: string): Promise<Position | null>;
}

export function fanOutQueueEvents(qe: QueueEvents, to: FanOutTargets, log: Logger): void {
  const ours = (jobId: string) => {
    const platform = platformOfJobId(jobId);
    return platform !== undefined && to.handles(platform);
  };
  const on = (what: string, jobId: string, fn: () => Promise<void>) => {
    if (!ours(jobId)) return;
    fn().catch((err: unknown) => log.warn({ err: describeError(err), jobId }, `delivery: ${what} event handling failed`));
  };
  /** A job back in line (its worker died or shut down): its user sees where it stands now. */
  const requeued = async (jobId: string) => {
    if (!(await to.isPending(jobId))) return;
    const pos = await to.position(jobId);
    if (pos) await to.publishStatus(jobId, { type: 'queued', position: pos.position, etaMs: pos.etaMs, workersOnline: pos.workersOnline }, { force: true });
  };

  qe.on('completed', ({ jobId }) => on('completed', jobId, () => to.onFinished(jobId)));
  qe.on('failed', ({ jobId }) => on('failed', jobId, () => to.onFinished(jobId)));
  qe.on(EVENTS.outcome as 'completed', (args: unknown) => {
    const { jobId } = args as { jobId: string };
    on('outcome', jobId, () => to.onFinished(jobId));
  });
  qe.on('active', ({ jobId }) => on('active', jobId, () => to.publishStatus(jobId, { type: 'active' })));
  qe.on('progress', ({ jobId, data }) => on('progress', jobId, () => to.publishStatus(jobId, { type: 'progress', progress: data as unknown as JobProgress })));
  qe.on('waiting', ({ jobId, prev }) => {
    if (prev) on('waiting', jobId, () => requeued(jobId));
  });
  qe.on('stalled', ({ jobId }) => on('stalled', jobId, () => requeued(jobId)));
}
