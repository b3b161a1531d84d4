/**
 * The chat delivery core: presents job events on any platform through its ChatPort.
 *
 *   queued / active / progress → status view → one edit throttle per status message → port.editStatus
 *   completed                  → port.postResult (after any edit in flight; late progress ignored)
 *   failed / lost              → port.postFailure
 *   cancelled                  → port.editStatus with the final "Cancelled." view
 *
 * Final events come from the jobs layer's fenced claims (src/jobs/delivery.ts): this handler
 * throwing means "try again later"; resolving means the user has seen the final state.
 */
import type { Logger } from '../../../log.ts';
import type { JobEvent, JobEventHandler, Submitted } from '../../../jobs/types.ts';
import { describeError } from '../../../util/describe-error.ts';
import { createEditThrottle } from './edit-throttle.ts';
import type { ChatPort } from './port.ts';
import { CANCELLED_VIEW, failureView, progressView, resultCaption, submittedView, type StatusView } from './status-view.ts';

export interface PresenterOptions<T> {
  port: ChatPort<T>;
  log: Logger;
  /** Least time between two edits of one status message. */
  minIntervalMs: number;
  /**
   * Whether the job's final state is being or has been shown (by any bot process). Checked just
   * before a progress edit goes out: with several bot processes, each gets every progress event,
   * and one still waiting in a throttle must not overwrite the result another process posted.
   */
  settled?: (jobId: string) => Promise<boolean>;
}

export interface JobPresenter {
  /** The handler given to `jobs.subscribe(platform, …)`. */
  readonly handle: JobEventHandler;
  /** Show a fresh job's place in the queue on its status message (right after submit). */
  showSubmitted(jobId: string, replyTo: unknown, submitted: Pick<Submitted, 'state' | 'position' | 'etaMs' | 'workersOnline'>): void;
  close(): Promise<void>;
}

interface Pending<T> {
  target: T;
  view: StatusView;
}

export function createJobPresenter<T>(opts: PresenterOptions<T>): JobPresenter {
  const { port, log } = opts;
  const throttle = createEditThrottle<Pending<T>>({
    minIntervalMs: opts.minIntervalMs,
    same: (a, b) => a.view.text === b.view.text && a.view.previewKey === b.view.previewKey,
    send: async (jobId, p) => {
      if (await opts.settled?.(jobId)) return;
      await port.editStatus(p.target, p.view, jobId);
    },
    retryAfterMs: (err) => port.retryAfterMs(err),
    onError: (jobId, err) => log.warn({ jobId, err: describeError(err) }, 'status edit failed'),
  });

  const show = (jobId: string, target: T, view: StatusView) => {
    if (port.canEditStatus(target)) throttle.update(jobId, { target, view });
  };

  async function final(event: JobEvent, what: string, run: () => Promise<void>): Promise<void> {
    await throttle.finish(event.jobId, async () => {
      try {
        await run();
      } catch (err) {
        log.warn({ jobId: event.jobId, err: describeError(err) }, `could not deliver the ${what}; the jobs layer retries`);
        throw err;
      }
    });
  }

  return {
    async handle(event) {
      const target = port.parseTarget(event.request.replyTo);
      if (target === undefined) {
        log.warn({ jobId: event.jobId, type: event.type }, 'job event without routing data for this platform; ignored');
        return;
      }
      const progress = progressView(event);
      if (progress) return show(event.jobId, target, progress);
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
      const target = port.parseTarget(replyTo);
      if (target !== undefined) show(jobId, target, submittedView(submitted));
    },

    close: () => throttle.close(),
  };
}
