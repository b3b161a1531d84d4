/**
 * The worker's render step, injected: the real one drives the engine (engine-renderer.ts); the
 * queue benchmark uses `noopRenderer` to measure the queue alone. A renderer gets the validated
 * request, fetches its blobs, reports steps and honours the AbortSignal (cancel / shutdown).
 */
import type { JobData } from './job-data.ts';
import type { RenderBlobs, JobResult } from './types.ts';

/** The job's data and its id: no shape of its own, the worker hands the job over as it is. */
export type RenderTask = JobData & { jobId: string };

export interface RenderStep {
  step: number;
  total: number;
  stage: string;
  etaMs?: number;
  /** A small JPEG of the image so far (the worker stores it as a blob); may still be encoding. */
  preview?: Buffer | Promise<Buffer>;
}

export interface RenderContext {
  blobs: RenderBlobs;
  signal: AbortSignal;
  onProgress(step: RenderStep): void;
}

/** What a render produces: the job's result without the blob key and cache flag the worker adds. */
export type RenderOutput = Omit<JobResult, 'resultKey' | 'cached' | 'animation'> & {
  /** The result as PNG (an animation's first frame). */
  png: Buffer;
  /** The painted animation, for an animated photo. */
  animation?: { data: Buffer; format: 'gif' | 'webp'; frames: number };
};

export interface Renderer {
  render(task: RenderTask, ctx: RenderContext): Promise<RenderOutput>;
  /** Free the engine (weights, sessions) when the worker stops. */
  close?(): Promise<void>;
}

/** A 1×1 black PNG: the no-op renderer's output. */
const ONE_PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC', 'base64');

/**
 * Renders nothing: returns a 1×1 PNG after `steps` steps of `stepMs` each (default: at once). With
 * steps it stands in for a render in queue-mechanics tests (progress, cancellation); `onStart` lets a
 * benchmark time the moment a worker begins a job.
 */
export function noopRenderer(opts: { steps?: number; stepMs?: number; onStart?: (task: RenderTask) => void } = {}): Renderer {
  const steps = opts.steps ?? 0;
  const stepMs = opts.stepMs ?? 0;
  return {
    async render(task, ctx) {
      opts.onStart?.(task);
      const t0 = performance.now();
      for (let step = 1; step <= steps; step++) {
        if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted');
        if (stepMs) await new Promise((r) => setTimeout(r, stepMs));
        ctx.onProgress({ step, total: steps, stage: 'no-op', etaMs: (steps - step) * stepMs });
      }
      if (ctx.signal.aborted) throw new Error('aborted');
      return { png: ONE_PIXEL_PNG, width: 1, height: 1, engine: 'none', backend: 'none', iterations: steps, renderMs: performance.now() - t0, styleLabel: 'no-op' };
    },
  };
}
