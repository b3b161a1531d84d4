/**
 * The chat delivery core: presents job events on any platform through its ChatPort.
 *
 *   queued / active / progress → status view → port.editStatus (awaited)
 *   completed                  → port.postResult
 *   failed / lost              → port.postFailure
 *   cancelled                  → port.editStatus with the final "Cancelled." view
 *
 * Pacing is the jobs layer's (src/jobs/delivery/): status events reach this handler in one bot
 * process at a time per job, the latest state only, at most one per EASEL_EDIT_INTERVAL_MS, never
 * during or after the final event's delivery. A status edit refused with Retry-After is thrown back
 * as RetryAfter (the jobs layer shows the newest state after the wait); a final refused that way is
 * retried here after the wait, a few times. Final events come through the jobs layer's fenced
 * claims: this handler throwing means "try again later"; resolving means the user has seen it.
 */
import type { Logger } from '../../../log.ts';
import { RetryAfter, type JobEvent, type JobEventHandler, type StatusUpdate, type Submitted } from '../../../jobs/types.ts';
import { describeError } from '../../../util/describe-error.ts';
import type { ChatPort } from './port.ts';
import { CANCELLED_VIEW, failureView, progressView, resultCaption } from './status-view.ts';

/** Tries of a final post through the platform's Retry-After before the jobs layer's retry takes over. */
export const FINAL_RATE_LIMIT_TRIES = 5;

export interface PresenterOptions<T> {
  port: ChatPort<T>;
  log: Logger;
  /** Hands a status to the jobs layer, which shows it through the job's one editor (`jobs.showStatus`). */
  showStatus: (jobId: string, status: StatusUpdate) => Promise<void>;
  /** Waits `ms` before a final is tried again after a Retry-After (tests may pass a fake clock's). */
  sleep?: (ms: number) => Promise<void>;
}

export interface JobPresenter {
  /** The handler given to `jobs.subscribe(platform, …)`. */
  readonly handle: JobEventHandler;
  /** Show a fresh job's place in the queue on its status message (right after submit). Never throws. */
  showSubmitted(jobId: string, replyTo: unknown, submitted: Pick<Submitted, 'state' | 'position' | 'etaMs' | 'workersOnline'>): void;
  close(): Promise<void>;
}

export function createJobPresenter<T>(opts: PresenterOptions<T>): JobPresenter {
  const { port, log } = opts;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function final(event: JobEvent, what: string, run: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        const wait = port.retryAfterMs(err);
        if (wait !== undefined && attempt < FINAL_RATE_LIMIT_TRIES) {
          await sleep(wait);
          continue;
        }
        log.warn({ jobId: event.jobId, err: describeError(err) }, `could not deliver the ${what}; the jobs layer retries`);
        throw err;
      }
    }
  }

  return {
    async handle(event) {
      const target = port.parseTarget(event.request.replyTo);
      if (target === undefined) {
        log.warn({ jobId: event.jobId, type: event.type }, 'job event without routing data for this platform; ignored');
        return;
      }
      const progress = progressView(event);
      if (progress) {
        if (!port.canEditStatus(target)) return;
        try {
          return await port.editStatus(target, progress, event.jobId);
        } catch (err) {
          const wait = port.retryAfterMs(err);
          throw wait === undefined ? err : new RetryAfter(wait, { cause: err });
        }
      }
      switch (event.type) {
        case 'completed':
          return final(event, 'result', () => port.postResult(target, event, resultCaption(event)));
        case 'failed': {
          log.info({ jobId: event.jobId, reason: event.reason }, 'job failed');
          const view = failureView(event);
          return final(event, 'failure notice', () => port.postFailure(target, view, event.jobId));
        }
        case 'cancelled':
          return final(event, 'cancellation', async () => {
            if (port.canEditStatus(target)) await port.editStatus(target, CANCELLED_VIEW, event.jobId);
          });
      }
    },

    showSubmitted(jobId, replyTo, submitted) {
      // A cached result is delivered at once: nothing to show meanwhile.
      if (submitted.state === 'cached' || port.parseTarget(replyTo) === undefined) return;
      const status: StatusUpdate = submitted.position > 0 ? { type: 'queued', position: submitted.position, etaMs: submitted.etaMs, workersOnline: submitted.workersOnline } : { type: 'active' };
      opts.showStatus(jobId, status).catch((err: unknown) => log.warn({ jobId, err: describeError(err) }, 'could not queue the first status of a job'));
    },

    close: async () => undefined,
  };
}
