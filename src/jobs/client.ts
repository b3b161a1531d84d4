/**
 * The bot side of the queue: what adapters call (`JobsClient`, types.ts).
 *
 *   submit(request)  validate → duplicate? → cached? → queue full? → user limit/cooldown → queue
 *   subscribe(p, h)  QueueEvents + sweep of pending jobs → h(event), final events exactly once
 *   cancel(id, user) waiting: removed at once; running: the worker stops at the next step
 *   position(id)     1-based place among waiting jobs + ETA
 */
import { QueueEvents } from 'bullmq';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { PresetCatalog } from '../presets/types.ts';
import { StyleRequest, type Platform } from '../requests/style-request.ts';
import { RedisBlobStore } from './blobs.ts';
import { ResultCache } from './cache.ts';
import { DeliveryClaims, type DeliveryOptions } from './delivery.ts';
import { RenderStats } from './eta.ts';
import { buildJobData, jobIdFor } from './job-data.ts';
import { EVENTS, QUEUE_NAME, keys as keysFor } from './keys.ts';
import { UserLimits } from './limits.ts';
import { queuePosition, type Position } from './position.ts';
import { createEventsProducer, createRenderQueue, jobOptions, type RenderQueue } from './queue.ts';
import { bullConnection, connectionErrorLogger, createRedis, whenReady, withTimeout } from './redis.ts';
import { describeError } from '../util/describe-error.ts';
import { JobRefused, type JobEventHandler, type JobProgress, type JobsClient, type Submitted } from './types.ts';
import { WorkerRegistry } from './worker-registry.ts';

export interface JobsClientOptions extends DeliveryOptions {
  /** When given, requests for unknown presets are refused at once instead of failing in the worker. */
  presets?: Pick<PresetCatalog, 'get'>;
  metrics?: Metrics;
  /** Longest a submit may wait on Redis before answering 'unavailable' (default 10 s). */
  submitTimeoutMs?: number;
}

/** What serve.ts and the ops server need beyond the adapters' API. */
export interface EaselJobsClient extends JobsClient {
  readonly queue: RenderQueue;
  /** Queue counts for /metrics and /healthz. */
  depth(): Promise<Record<string, number>>;
  ping(): Promise<boolean>;
}

/** A request id stays "already submitted" this long (a retried webhook arrives within minutes). */
const DEDUPE_TTL_S = 24 * 3600;

export const REFUSAL_TEXT = {
  invalid: "That request is missing something I need. Please try again.",
  unknownPreset: (id: string) => `I don't know a style called “${id}”.`,
  busy: "I'm busy painting for lots of people right now — please try again in a few minutes.",
  userLimit: (n: number) => `You already have ${n === 1 ? 'a painting' : `${n} paintings`} in progress — wait for ${n === 1 ? 'it' : 'one'} to finish, then ask again.`,
  cooldown: (ms: number) => `Easy there — please wait ${Math.max(1, Math.ceil(ms / 1000))} s before your next request.`,
  unavailable: 'The painting queue is unavailable right now. Please try again in a few minutes.',
} as const;

export async function createJobsClient(config: Config, log: Logger, opts: JobsClientOptions = {}): Promise<EaselJobsClient> {
  const redis = createRedis(config, 'bot', { log, failFast: true });
  // Commands fail at once while disconnected (failFast), so give the first connection a moment;
  // if Redis is down at start the bot still runs and answers "the queue is unavailable".
  if (!(await whenReady(redis, 10_000))) log.warn('Redis is not reachable yet; retrying in the background (chat requests are refused meanwhile)');
  const k = keysFor(config.redis.prefix);
  const queue = createRenderQueue(config);
  const producer = createEventsProducer(config);
  // BullMQ prints unhandled connection errors as multi-line dumps; log them as throttled JSON lines.
  queue.on('error', connectionErrorLogger('queue', log));
  producer.on('error', connectionErrorLogger('events-producer', log));
  const blobs = new RedisBlobStore(redis, k.blob, config.blobs.ttlS);
  const cache = new ResultCache(redis, k, blobs, config.blobs.ttlS);
  const stats = new RenderStats(redis, k);
  const workers = new WorkerRegistry(redis, k);
  const limits = new UserLimits(redis, k, config.limits, (id) => queue.getJobState(id));
  const delivery = new DeliveryClaims(redis, k, queue, log, opts.metrics, {
    sweepMs: opts.sweepMs ?? config.delivery.sweepMs,
    claimMs: opts.claimMs ?? config.delivery.claimMs,
    deadlineMs: opts.deadlineMs ?? config.delivery.deadlineMs,
    maxAttempts: opts.maxAttempts ?? config.delivery.attempts,
    lostAfterMs: opts.lostAfterMs,
    concurrency: opts.concurrency,
  });
  const metrics = opts.metrics;
  const submitTimeoutMs = opts.submitTimeoutMs ?? 10_000;
  let events: QueueEvents | undefined;

  const depth = async () => {
    const c = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    return { waiting: (c.wait ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0 };
  };
  metrics?.setQueueDepthSource(depth);

  const position = (jobId: string): Promise<Position | null> => queuePosition(redis, queue, stats, workers, jobId);

  const refuse = (code: JobRefused['code'], message: string, retryAfterMs?: number): never => {
    metrics?.refused.inc({ code });
    throw new JobRefused(code, message, retryAfterMs);
  };

  async function submitValidated(request: StyleRequest, attempt: { abandoned: boolean }): Promise<Submitted> {
    const stillWanted = () => {
      if (attempt.abandoned) throw new Error('submit abandoned after its timeout');
    };
    if (request.style.kind === 'preset' && opts.presets && !opts.presets.get(request.style.presetId)) {
      refuse('unknown-preset', REFUSAL_TEXT.unknownPreset(request.style.presetId));
    }
    const data = buildJobData(request, config);
    const jobId = jobIdFor(request);

    // Double submission: the same request id is one job (SET NX makes two racing submits agree).
    if ((await redis.set(k.request(jobId), '1', 'EX', DEDUPE_TTL_S, 'NX')) !== 'OK') {
      metrics?.submitted.inc({ state: 'duplicate' });
      const pos = await position(jobId);
      return { jobId, state: 'duplicate', position: pos?.position ?? 0, etaMs: pos?.etaMs };
    }

    let reserved = false;
    try {
      const cached = await cache.get(data.cacheKey);
      if (cached) {
        // Same photo, style and options as an earlier render: its result at once, no limits spent.
        await delivery.register(jobId, request);
        await delivery.recordOutcome(jobId, { type: 'completed', result: { ...cached, styleLabel: cached.styleLabel } });
        await producer.publishEvent({ eventName: EVENTS.outcome, jobId });
        metrics?.submitted.inc({ state: 'cached' });
        return { jobId, state: 'cached', position: 0 };
      }

      const waiting = await queue.getJobCountByTypes('wait', 'prioritized');
      if (waiting >= config.limits.maxWaiting) refuse('queue-full', REFUSAL_TEXT.busy, 3 * 60_000);

      stillWanted();
      const reservation = await limits.reserve(request.platform, request.user.id, jobId);
      if (!reservation.ok) {
        if (reservation.code === 'cooldown') refuse('cooldown', REFUSAL_TEXT.cooldown(reservation.retryAfterMs), reservation.retryAfterMs);
        refuse('user-limit', REFUSAL_TEXT.userLimit(config.limits.userMaxJobs));
      }
      reserved = true;

      await delivery.register(jobId, request);
      stillWanted();
      await queue.add(QUEUE_NAME, data, jobOptions(jobId, data, config));
      metrics?.submitted.inc({ state: 'queued' });
      const pos = await position(jobId);
      return { jobId, state: 'queued', position: pos?.position ?? 0, etaMs: pos?.etaMs, workersOnline: pos?.workersOnline };
    } catch (err) {
      // Not submitted after all: free the request id and the user's slot so a retry can succeed.
      await Promise.allSettled([
        redis.del(k.request(jobId)),
        reserved ? limits.release(request.platform, request.user.id, jobId) : undefined,
        queue.getJobState(jobId).then((s) => (s === 'unknown' ? delivery.unregister(request.platform, jobId) : undefined)),
      ]);
      throw err;
    }
  }

  async function follow(): Promise<QueueEvents> {
    if (events) return events;
    const qe = new QueueEvents(QUEUE_NAME, { connection: bullConnection(config), prefix: config.redis.prefix });
    const guard = (what: string, fn: () => Promise<void>) => fn().catch((err: unknown) => log.warn({ err: describeError(err) }, `delivery: ${what} event handling failed`));
    qe.on('completed', ({ jobId }) => void guard('completed', () => delivery.onFinished(jobId)));
    qe.on('failed', ({ jobId }) => void guard('failed', () => delivery.onFinished(jobId)));
    qe.on('active', ({ jobId }) => void guard('active', () => delivery.onActive(jobId)));
    qe.on('progress', ({ jobId, data }) => void guard('progress', () => delivery.onProgress(jobId, data as unknown as JobProgress)));
    qe.on('waiting', ({ jobId, prev }) => {
      // A job back in line (its worker died or shut down): tell the user where it stands now.
      if (prev) void guard('waiting', () => delivery.onRequeued(jobId, () => position(jobId)));
    });
    qe.on('stalled', ({ jobId }) => void guard('stalled', () => delivery.onRequeued(jobId, () => position(jobId))));
    qe.on(EVENTS.outcome as 'completed', (args: unknown) => void guard('outcome', () => delivery.onFinished((args as { jobId: string }).jobId)));
    qe.on('error', connectionErrorLogger('queue-events', log));
    await qe.waitUntilReady();
    events = qe;
    return qe;
  }

  const client: EaselJobsClient = {
    blobs,
    queue,

    async submit(input) {
      const parsed = StyleRequest.safeParse(input);
      if (!parsed.success) {
        log.warn({ issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'refused an invalid request');
        refuse('invalid-request', REFUSAL_TEXT.invalid);
      }
      // A submit that outlives its timeout is abandoned: the user was told it failed, so it must
      // not go on to enqueue a job when Redis answers again.
      const attempt = { abandoned: false };
      try {
        return await withTimeout(submitValidated(parsed.data!, attempt), submitTimeoutMs, 'submit', () => (attempt.abandoned = true));
      } catch (err) {
        if (err instanceof JobRefused) throw err;
        log.error({ err }, 'submit failed: queue unavailable');
        return refuse('unavailable', REFUSAL_TEXT.unavailable);
      }
    },

    async cancel(jobId, userId) {
      const job = await queue.getJob(jobId);
      if (!job || job.data?.request?.user?.id !== userId) return false;
      const state = await job.getState();
      if (state === 'completed' || state === 'failed' || state === 'unknown') return false;
      const { request } = job.data;
      // The marker first: a worker about to start this job checks it and will not render.
      await redis.set(k.cancel(jobId), userId, 'EX', DEDUPE_TTL_S);
      if (state !== 'active') {
        try {
          await job.remove();
          await delivery.recordOutcome(jobId, { type: 'cancelled' });
          await limits.release(request.platform, request.user.id, jobId);
          await producer.publishEvent({ eventName: EVENTS.outcome, jobId });
          return true;
        } catch {
          // It became active (locked) between getState and remove: stop it as a running job.
        }
      }
      await producer.publishEvent({ eventName: EVENTS.cancel, jobId });
      return true;
    },

    position,

    isSettled: (jobId) => delivery.isSettled(jobId),

    async subscribe(platform: Platform, handler: JobEventHandler) {
      await follow();
      await delivery.subscribe(platform, handler);
    },

    depth,

    async ping() {
      try {
        return (await withTimeout(redis.ping(), 2_000, 'ping')) === 'PONG';
      } catch {
        return false;
      }
    },

    async close() {
      await delivery.close();
      await Promise.allSettled([events?.close(), producer.close(), queue.close()]);
      redis.disconnect();
    },
  };
  return client;
}
