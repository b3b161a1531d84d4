/**
 * The worker side (`easel worker`): takes jobs from the render queue, renders, reports progress,
 * stores the result.
 *
 * - Concurrency from config (default 1: one GPU per process); each slot renders in a thread of its
 *   own (render-thread.ts) that keeps its engine, weights and presets across jobs, so a long
 *   synchronous engine step never blocks lock renewal, progress or cancel.
 * - A deadline per job (EASEL_JOB_DEADLINE_S, else derived from its cost): past it the render is
 *   stopped and the job fails with 'timeout' ("took too long"), freeing the slot.
 * - Job data is re-validated; invalid data fails at once, without retry (UnrecoverableError).
 * - Progress goes through job.updateProgress (throttled: progress-reporter.ts), with a preview blob when the engine made one.
 * - Cancellation crosses processes as an event in the queue's stream; the render's AbortSignal fires
 *   and the engine stops at its next step.
 * - SIGTERM/SIGINT (serve.ts calls close()): stop taking jobs, let the current one finish within
 *   `shutdownGraceMs`, else abort it and hand it back to the queue for another worker.
 * - A worker that dies without closing (SIGKILL, OOM, power) stops renewing its job's lock; another
 *   worker's stalled-job check puts the job back in line (BullMQ), and it is rendered again.
 */
import { randomUUID } from 'node:crypto';
import { QueueEvents, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../ops/metrics.ts';
import { BlobStoreUnavailable, createBlobStore } from './blobs.ts';
import { ResultCache } from './cache.ts';
import { deadlineMs, RenderStats } from './eta.ts';
import { JobFailure, toBullError } from './failures.ts';
import { costOf, JobData } from './job-data.ts';
import { EVENTS, QUEUE_NAME, keys as keysFor } from './keys.ts';
import { describeError } from '../util/describe-error.ts';
import { bullConnection, closeWithin, connectionErrorLogger, createRedis, withTimeout } from './redis.ts';
import type { Renderer } from './render.ts';
import type { JobResult } from './types.ts';
import { BEAT_EVERY_MS, WorkerRegistry } from './worker-registry.ts';
import { threadRenderer } from './render-thread.ts';
import { progressReporter } from './progress-reporter.ts';

const ENGINE_THREAD = new URL('./engine-render-thread.ts', import.meta.url);

export interface WorkerDeps {
  /** The render step. Default: the real engine, loaded once for this worker (engine-renderer.ts) and closed with it. */
  renderer?: Renderer;
  metrics?: Metrics;
  /** Overrides config.worker.concurrency (`easel worker --concurrency n`). */
  concurrency?: number;
  /** At most one progress update per this many ms, besides the first, the last and previews (default 500). */
  progressIntervalMs?: number;
}

export interface RunningWorker {
  readonly id: string;
  readonly concurrency: number;
  /** Jobs rendering right now in this process. */
  activeJobs(): string[];
  isRunning(): boolean;
  /** Graceful: finish (or, after the grace period, hand back) the current jobs, then disconnect. */
  close(): Promise<void>;
}

const SHUTDOWN = 'easel:shutdown';
const CANCELLED = 'easel:cancelled';
const DEADLINE = 'easel:deadline';

type RenderJob = Job<JobData, JobResult>;

export async function startWorker(config: Config, deps: WorkerDeps, log: Logger): Promise<RunningWorker> {
  const id = `worker-${randomUUID().slice(0, 8)}`;
  const concurrency = deps.concurrency ?? config.worker.concurrency;
  const wlog = log.child({ worker: id });
  const redis = createRedis(config, 'worker', { log });
  const k = keysFor(config.redis.prefix);
  const blobs = await createBlobStore(config, redis, { log: wlog });
  const cache = new ResultCache(redis, k, blobs, config.blobs.ttlS);
  const stats = new RenderStats(redis, k);
  const registry = new WorkerRegistry(redis, k);
  const metrics = deps.metrics;
  const progressIntervalMs = deps.progressIntervalMs ?? 500;
  const active = new Set<string>();

  // The engine renders in threads of its own (render-thread.ts), one per slot, so this event loop
  // stays free for lock renewal, progress, cancel and deadlines.
  const render: Renderer = deps.renderer ?? (await threadRenderer({ module: ENGINE_THREAD, data: config, slots: concurrency, log: wlog }));
  // An injected renderer belongs to the caller (it may serve several workers); ours is closed with us.
  const ownsRenderer = !deps.renderer;

  async function processJob(job: RenderJob, token: string | undefined, signal: AbortSignal | undefined): Promise<JobResult> {
    const jobId = job.id!;
    const parsed = JobData.safeParse(job.data);
    if (!parsed.success) {
      metrics?.failures.inc({ code: 'invalid' });
      throw new UnrecoverableError(`invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const data = parsed.data;
    const jlog = wlog.child({ jobId, quality: data.options.quality });
    if (await redis.exists(k.cancel(jobId))) throw toBullError(new JobFailure('cancelled', 'cancelled before it started'));
    if (job.attemptsStarted <= 1 && job.processedOn) metrics?.waitSeconds.observe({ quality: data.options.quality }, (job.processedOn - job.timestamp) / 1000);

    // The render stops on cancel or shutdown (BullMQ's signal) or when its deadline passes.
    const cost = costOf(data);
    const timeLimitMs = deadlineMs(cost, config.jobs.deadlineS);
    const controller = new AbortController();
    const follow = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', follow, { once: true });
    const deadline = setTimeout(() => controller.abort(DEADLINE), timeLimitMs);
    const abort = controller.signal;
    const report = progressReporter(job, progressIntervalMs, (preview) => blobs.put(preview), jlog);
    active.add(jobId);
    jlog.info('render started');
    try {
      const out = await render.render({ ...data, jobId }, { blobs, signal: abort, onProgress: report.step });
      if (abort.aborted) throw abort.reason;
      await report.flush();
      const resultKey = await blobs.put(out.png);
      const animation = out.animation && { key: await blobs.put(out.animation.data), format: out.animation.format, frames: out.animation.frames };
      const result: JobResult = {
        resultKey,
        width: out.width,
        height: out.height,
        engine: out.engine,
        backend: out.backend,
        iterations: out.iterations,
        renderMs: Math.round(out.renderMs),
        styleLabel: out.styleLabel,
        cached: false,
        ...(animation && { animation }),
      };
      await Promise.all([cache.put(data.cacheKey, result), stats.record(cost, out.renderMs)]);
      metrics?.renderSeconds.observe({ quality: data.options.quality }, out.renderMs / 1000);
      jlog.info({ renderMs: result.renderMs, engine: result.engine, backend: result.backend }, 'render done');
      return result;
    } catch (err) {
      if (abort.aborted && abort.reason === SHUTDOWN && token) {
        // Shutting down: hand the job back to the queue for another worker (no attempt is spent).
        jlog.warn('shutting down: job handed back to the queue');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const failure =
        abort.aborted && abort.reason === DEADLINE ? new JobFailure('timeout', `render stopped at its deadline (${Math.round(timeLimitMs / 1000)} s)`)
        : abort.aborted ? new JobFailure('cancelled', 'cancelled while rendering')
        : err instanceof JobFailure ? err
        : err instanceof BlobStoreUnavailable ? new JobFailure('storage', err.message)
        : new JobFailure('render', err instanceof Error ? err.message : String(err));
      metrics?.failures.inc({ code: failure.code });
      if (failure.code === 'render') jlog.error({ err, attempt: job.attemptsMade + 1 }, 'render failed');
      else jlog.info({ code: failure.code, reason: failure.message }, 'job ended without a result');
      throw toBullError(failure);
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', follow);
      active.delete(jobId);
      report.stop();
    }
  }

  const worker = new Worker<JobData, JobResult>(
    QUEUE_NAME,
    // Three declared parameters: BullMQ passes the AbortSignal only to processors that take it.
    (job, token, signal) => processJob(job, token, signal),
    {
      connection: bullConnection(config),
      prefix: config.redis.prefix,
      concurrency,
      name: id,
      lockDuration: config.jobs.lockMs,
      stalledInterval: config.jobs.stalledIntervalMs,
      // A job whose worker died twice is failed rather than passed on forever.
      maxStalledCount: 2,
      autorun: false,
    },
  );
  worker.on('error', connectionErrorLogger('worker', wlog));
  worker.on('stalled', (jobId) => wlog.warn({ jobId }, 'a stalled job (its worker died) was put back in the queue'));

  // Cancellation requests from any bot process arrive through the queue's event stream.
  const cancels = new QueueEvents(QUEUE_NAME, { connection: bullConnection(config), prefix: config.redis.prefix });
  cancels.on(EVENTS.cancel as 'completed', (args: unknown) => {
    const { jobId } = args as { jobId: string };
    if (active.has(jobId) && worker.cancelJob(jobId, CANCELLED)) wlog.info({ jobId }, 'cancelling a running render');
  });
  cancels.on('error', connectionErrorLogger('cancel-listener', wlog));
  await cancels.waitUntilReady();

  const startedAt = Date.now();
  await registry.beat(id, concurrency, startedAt);
  const heartbeat = setInterval(() => void registry.beat(id, concurrency, startedAt).catch(() => undefined), BEAT_EVERY_MS);
  heartbeat.unref();

  void worker.run().catch((err) => wlog.error({ err }, 'worker stopped'));
  await worker.waitUntilReady();
  wlog.info({ concurrency }, 'worker ready');

  let closing: Promise<void> | undefined;
  return {
    id,
    concurrency,
    activeJobs: () => [...active],
    isRunning: () => worker.isRunning() && !closing,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        wlog.info({ active: active.size }, 'worker closing');
        const grace = setTimeout(() => {
          if (active.size) wlog.warn({ active: [...active] }, 'shutdown grace period over: handing running jobs back');
          worker.cancelAllJobs(SHUTDOWN);
        }, config.jobs.shutdownGraceMs);
        try {
          // Twice the grace: the running jobs get theirs, then BullMQ a little to hand them back.
          await closeWithin(worker, 2 * config.jobs.shutdownGraceMs, 'the queue worker', wlog);
        } finally {
          clearTimeout(grace);
        }
        // Each of these talks to Redis, which may be gone; a SIGTERM must end the process anyway.
        await withTimeout(
          Promise.allSettled([cancels.close(), registry.remove(id), ownsRenderer ? render.close?.() : undefined, blobs.close()]),
          config.jobs.shutdownGraceMs,
          'closing the worker\'s connections',
        ).catch((err: unknown) => wlog.warn({ err: describeError(err) }, 'worker connections did not close in time'));
        redis.disconnect();
        wlog.info('worker closed');
      })();
      return closing;
    },
  };
}
