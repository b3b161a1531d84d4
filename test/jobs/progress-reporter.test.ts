/**
 * The worker's progress reporter (src/jobs/progress-reporter.ts) on vitest's fake timers: at most one
 * job.updateProgress per interval, always the first, the last and previews, one update at a time,
 * nothing written after stop(). The job is a recorder of updateProgress calls (the reporter needs
 * nothing else of BullMQ; the worker's real progress through Redis is tested in queue.test.ts).
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../../src/jobs/progress-reporter.ts';
import type { JobProgress } from '../../src/jobs/types.ts';

/** A job whose updateProgress is recorded; each write takes `writeMs` on the fake clock. */
function recordingJob(writeMs = 0) {
  const written: JobProgress[] = [];
  const state = { inFlight: 0, maxInFlight: 0, failNext: false };
  const job = {
    async updateProgress(progress: object) {
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        if (writeMs > 0) await new Promise((resolve) => setTimeout(resolve, writeMs));
        if (state.failNext) {
          state.failNext = false;
          throw new Error('Redis away');
        }
        written.push(progress as JobProgress);
      } finally {
        state.inFlight -= 1;
      }
    },
  };
  return { job, written, state };
}

function recordingLog() {
  const lines: Array<{ msg: string }> = [];
  return { log: pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
}

const storePreview = async (jpeg: Buffer) => `preview-${jpeg.toString()}`;
const step = (n: number, total: number, preview?: string) => ({ step: n, total, stage: 'painting', etaMs: 1234.6, ...(preview && { preview: Buffer.from(preview) }) });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('progress reporter', () => {
  it('sends at most one update per interval, besides the first and the last', async () => {
    const { job, written } = recordingJob();
    const report = progressReporter(job, 500, storePreview, recordingLog().log);
    // A render of 100 steps, one every 50 ms: ten steps per interval.
    for (let n = 1; n <= 100; n++) {
      report.step(step(n, 100));
      await vi.advanceTimersByTimeAsync(50);
    }
    await report.flush();
    // Step 1 at t=0, then the first step 500 ms after the last one sent, and the last step (only 450 ms after step 91).
    expect(written.map((p) => p.step)).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 100]);
    expect(written[1]).toEqual({ step: 11, total: 100, stage: 'painting', percent: 11, etaMs: 1235, previewKey: undefined });
  });

  it('with an interval of 0 sends every step', async () => {
    const { job, written } = recordingJob();
    const report = progressReporter(job, 0, storePreview, recordingLog().log);
    for (let n = 1; n <= 5; n++) report.step(step(n, 5));
    await report.flush();
    expect(written.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
  });

  it('always sends a step with a preview, with the preview stored as a blob', async () => {
    const { job, written } = recordingJob();
    const report = progressReporter(job, 500, storePreview, recordingLog().log);
    // Ten steps within one millisecond: only the first, the preview and the last get through.
    for (let n = 1; n <= 10; n++) report.step(step(n, 10, n === 5 ? 'five' : undefined));
    await report.flush();
    expect(written.map((p) => [p.step, p.previewKey])).toEqual([[1, undefined], [5, 'preview-five'], [10, undefined]]);
  });

  it('writes one update at a time, in order, however slow the writes are; flush waits for them all', async () => {
    const { job, written, state } = recordingJob(1_000);
    const report = progressReporter(job, 500, storePreview, recordingLog().log);
    report.step(step(1, 3));
    report.step(step(2, 3, 'two'));
    report.step(step(3, 3));
    let flushed = false;
    void report.flush().then(() => (flushed = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(written.map((p) => p.step)).toEqual([1]); // t=1000: the first write ended, the second just began
    await vi.advanceTimersByTimeAsync(1_999);
    expect(written.map((p) => p.step)).toEqual([1, 2]);
    expect(flushed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(written.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(flushed).toBe(true);
    expect(state.maxInFlight).toBe(1);
  });

  it('writes nothing after stop(), not even updates still waiting their turn', async () => {
    const { job, written } = recordingJob(1_000);
    const report = progressReporter(job, 500, storePreview, recordingLog().log);
    report.step(step(1, 3));
    report.step(step(2, 3, 'two'));
    await vi.advanceTimersByTimeAsync(500);
    report.stop(); // the render ended (cancel, deadline, failure) while the first write runs
    report.step(step(3, 3));
    await vi.advanceTimersByTimeAsync(10_000);
    await report.flush();
    expect(written.map((p) => p.step)).toEqual([1]);
  });

  it('a failed update is logged and the next ones are still written', async () => {
    const { job, written, state } = recordingJob();
    const { log, lines } = recordingLog();
    const report = progressReporter(job, 0, storePreview, log);
    state.failNext = true;
    report.step(step(1, 3));
    report.step(step(2, 3));
    report.step(step(3, 3));
    await report.flush();
    expect(written.map((p) => p.step)).toEqual([2, 3]);
    expect(lines).toMatchObject([{ msg: 'progress update failed' }]);
  });
});
