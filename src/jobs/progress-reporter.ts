/**
 * Turns the renderer's steps into job.updateProgress calls: at most one per `intervalMs` (a fast
 * engine steps far more often than anyone needs to see), but always the first, the last and any step
 * with a preview. Updates run one after another, never piling up. Its own module so its timing can
 * be tested on a fake clock (test/jobs/progress-reporter.test.ts) without a queue.
 */
import type { Logger } from '../log.ts';
import type { RenderStep } from './render.ts';
import type { JobProgress } from './types.ts';

/** The one thing the reporter needs of a BullMQ job. */
export interface ProgressSink {
  updateProgress(progress: object): Promise<unknown>;
}

export interface ProgressReporter {
  /** The renderer's onProgress: sends this step or drops it (throttled). */
  step(s: RenderStep): void;
  /** Resolves when every update sent so far has been written. */
  flush(): Promise<void>;
  /** Nothing more is written, not even updates already sent and still waiting their turn. */
  stop(): void;
}

export function progressReporter(job: ProgressSink, intervalMs: number, storePreview: (jpeg: Buffer) => Promise<string>, log: Logger): ProgressReporter {
  let last = 0;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;
  const send = (s: RenderStep) => {
    chain = chain
      .then(async () => {
        if (stopped) return;
        const progress: JobProgress = {
          step: s.step,
          total: s.total,
          stage: s.stage,
          percent: s.total > 0 ? Math.round((100 * s.step) / s.total) : 0,
          etaMs: s.etaMs === undefined ? undefined : Math.round(s.etaMs),
          previewKey: s.preview ? await storePreview(await s.preview) : undefined,
        };
        await job.updateProgress(progress as unknown as object);
      })
      .catch((err) => log.warn({ err }, 'progress update failed'));
  };
  return {
    step(s: RenderStep) {
      const now = Date.now();
      if (s.step <= 1 || s.step >= s.total || s.preview || now - last >= intervalMs) {
        last = now;
        send(s);
      }
    },
    flush: () => chain,
    stop() {
      stopped = true;
    },
  };
}
