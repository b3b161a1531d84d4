/**
 * The bot side of the queue: what adapters call (`JobsClient`, types.ts).
 *
 *   admit(who, id)   duplicate? cooldown? user, server, global caps? → one reservation (limits.ts)
 *   submit(request)  validate → admitted (or admit now) → cached? → queue; slots released on failure
 *   subscribe(p, h)  QueueEvents + sweep of pending jobs → h(event): final events exactly once,
 *                    status updates through one editor per job (delivery/)
 *   cancel(id, user) waiting: removed at once; running: the worker stops at the next step
 *   position(id)     1-based place among waiting jobs + ETA
 */
import { QueueEvents } from 'bullmq';
import type { Config, DeliveryConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { PresetCatalog } from '../presets/types.ts';
import { capabilitiesOf, deploymentCaps, resolveRequest, type Resolved, type StyleCapabilities } from '../requests/resolve.ts';
import { presetIdsOf, StyleRequest, type Platform } from '../requests/style-request.ts';
import { WORDING } from '../requests/wording.ts';
import { createBlobStore } from './blobs.ts';
import { ResultCache } from './cache.ts';
import { Delivery } from './delivery/index.ts';
import { RenderStats } from './eta.ts';
import { buildJobData, jobIdFor } from './job-data.ts';
import { EVENTS, QUEUE_NAME, keys as keysFor, type Requester } from './keys.ts';
import { Admission, DEDUPE_TTL_S } from './limits.ts';
import { queuePosition, type Position } from './position.ts';
import { createEventsProducer, createRenderQueue, jobOptions, type RenderQueue } from './queue.ts';
import { bullConnection, closeWithin, connectionErrorLogger, createRedis, whenReady, withTimeout } from './redis.ts';
import { describeError } from '../util/describe-error.ts';
import { DuplicateRequest, JobRefused, requesterOf, RESULT_RECORD_TTL_S, type Admitted, type JobEventHandler, type JobsClient, type ResultRecord, type Submitted } from './types.ts';
import { WorkerRegistry } from './worker-registry.ts';

/** Delivery settings a caller (a test) may set instead of the config's. */
export type DeliveryOverrides = Partial<Pick<DeliveryConfig, 'sweepMs' | 'claimMs' | 'deadlineMs' | 'lostAfterMs' | 'concurrency' | 'editIntervalMs' | 'statusLockMs'>> & {
  /** Failed attempts before the "undeliverable" notice (EASEL_DELIVERY_ATTEMPTS). */
  maxAttempts?: number;
};

export interface JobsClientOptions extends DeliveryOverrides {
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
  /**
   * Check every pending job of the subscribed platforms once, now (the sweep that otherwise runs
   * every EASEL_DELIVERY_SWEEP_MS); joins the sweep in flight if there is one. For tests: awaiting
   * it twice waits for at least one whole sweep that began after the call, so a test can say
   * "n sweeps later, nothing more happened" without sleeping.
   */
  sweep(): Promise<void>;
}

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
  const blobs = await createBlobStore(config, redis, { pending: true, log });
  const cache = new ResultCache(redis, k, blobs, config.blobs.ttlS);
  const stats = new RenderStats(redis, k);
  const workers = new WorkerRegistry(redis, k);
  // An admitted request reaches the queue after its downloads (photo and style image, each within
  // the download timeout) and a probe; past that grace its global slot lapses by itself.
  const admitGraceMs = 2 * config.limits.downloadTimeoutMs + 30_000;
  const admission = new Admission(redis, k, { ...config.limits, admitGraceMs }, (id) => queue.getJobState(id));
  const position = (jobId: string): Promise<Position | null> => queuePosition(redis, queue, stats, workers, jobId);
  const { maxAttempts, presets: _presets, metrics: _metrics, submitTimeoutMs: _timeout, ...overrides } = opts;
  const delivery = new Delivery({
    redis,
    keys: k,
    queue,
    log,
    metrics: opts.metrics,
    config: { ...config.delivery, ...definedOnly(overrides), attempts: maxAttempts ?? config.delivery.attempts },
    bull: { config, prefix: config.redis.prefix },
    position,
  });
  const metrics = opts.metrics;
  const submitTimeoutMs = opts.submitTimeoutMs ?? 10_000;
  let events: QueueEvents | undefined;

  const depth = async () => {
    const c = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    return { waiting: (c.wait ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0 };
  };
  metrics?.setQueueDepthSource(depth);

  const refuse = (code: JobRefused['code'], message: string, retryAfterMs?: number): never => {
    metrics?.refused.inc({ code });
    throw new JobRefused(code, message, retryAfterMs);
  };

  /** Take the reservation (or refuse with a friendly text). */
  async function admitOrRefuse(who: Requester, requestId: string): Promise<Admitted> {
    const jobId = jobIdFor({ platform: who.platform, requestId });
    const verdict = await admission.admit(who, jobId);
    if (verdict.ok) return { jobId, who };
    switch (verdict.code) {
      case 'duplicate':
        throw new DuplicateRequest(jobId);
      case 'cooldown':
        return refuse('cooldown', WORDING.cooldown(verdict.retryAfterMs), verdict.retryAfterMs);
      case 'user-limit':
        return refuse('user-limit', WORDING.userLimit(config.limits.userMaxJobs));
      case 'server-limit':
        return refuse('server-limit', WORDING.serverBusy, 3 * 60_000);
      case 'queue-full':
        return refuse('queue-full', WORDING.busy, 3 * 60_000);
    }
  }

  async function duplicateOf(jobId: string): Promise<Submitted> {
    metrics?.submitted.inc({ state: 'duplicate' });
    const pos = await position(jobId);
    return { jobId, state: 'duplicate', position: pos?.position ?? 0, etaMs: pos?.etaMs };
  }

  /**
   * Without a catalog the client cannot tell what a preset can do: the asked tier stands (the
   * worker refuses what the style cannot do). The intake always passes its own resolution.
   */
  const UNKNOWN_STYLE: StyleCapabilities = { paintings: 1, fastNetwork: 'unknown' };
  const resolveHere = (request: StyleRequest): Resolved =>
    resolveRequest(request.options, { caps: deploymentCaps(config), style: (opts.presets && capabilitiesOf(request.style, opts.presets)) ?? UNKNOWN_STYLE });

  async function submitValidated(request: StyleRequest, given: Admitted | undefined, resolved: Resolved | undefined, attempt: { abandoned: boolean }): Promise<Submitted> {
    const stillWanted = () => {
      if (attempt.abandoned) throw new Error('submit abandoned after its timeout');
    };
    const unknownPreset = opts.presets ? presetIdsOf(request.style).find((id) => !opts.presets!.get(id)) : undefined;
    if (unknownPreset) refuse('unknown-preset', WORDING.unknownPreset(unknownPreset));
    const data = buildJobData(request, resolved ?? resolveHere(request));
    const jobId = jobIdFor(request);
    if (given && given.jobId !== jobId) throw new Error('submit: the admission was taken for another request');

    // Limits first (the intake took them before downloading; a direct submit takes them here).
    let admitted: Admitted;
    try {
      admitted = given ?? (await admitOrRefuse(requesterOf(request), request.requestId));
    } catch (err) {
      if (err instanceof DuplicateRequest) return duplicateOf(jobId);
      throw err;
    }
    const blobKeys = [request.content.key, ...(request.style.kind === 'images' ? request.style.images.map((i) => i.blob.key) : [])];

    try {
      const cached = await cache.get(data.cacheKey);
      if (cached) {
        // Same photo, style and options as an earlier render: its result at once. It spent the
        // cooldown like any request; its slots are free again at once since nothing waits.
        await delivery.register(jobId, request);
        await delivery.recordOutcome(jobId, { type: 'completed', result: { ...cached, styleLabel: cached.styleLabel } });
        await producer.publishEvent({ eventName: EVENTS.outcome, jobId });
        await Promise.all([admission.release(admitted.who, jobId), blobs.commit(blobKeys)]);
        metrics?.submitted.inc({ state: 'cached' });
        return { jobId, state: 'cached', position: 0 };
      }

      await delivery.register(jobId, request);
      stillWanted();
      await blobs.commit(blobKeys);
      await queue.add(QUEUE_NAME, data, jobOptions(jobId, data, config));
      await admission.enqueued(jobId);
      metrics?.submitted.inc({ state: 'queued' });
      const pos = await position(jobId);
      return { jobId, state: 'queued', position: pos?.position ?? 0, etaMs: pos?.etaMs, workersOnline: pos?.workersOnline };
    } catch (err) {
      // Not submitted after all: free the request id and the slots so a retry can succeed.
      await Promise.allSettled([
        admission.release(admitted.who, jobId, { forgetRequest: true }),
        queue.getJobState(jobId).then((s) => (s === 'unknown' ? delivery.unregister(request.platform, jobId) : undefined)),
      ]);
      throw err;
    }
  }

  async function follow(): Promise<QueueEvents> {
    if (events) return events;
    const qe = new QueueEvents(QUEUE_NAME, { connection: bullConnection(config), prefix: config.redis.prefix });
    delivery.follow(qe);
    qe.on('error', connectionErrorLogger('queue-events', log));
    await qe.waitUntilReady();
    events = qe;
    return qe;
  }

  const client: EaselJobsClient = {
    blobs,
    queue,

    async admit(who, requestId) {
      try {
        return await withTimeout(admitOrRefuse(who, requestId), submitTimeoutMs, 'admit');
      } catch (err) {
        if (err instanceof JobRefused || err instanceof DuplicateRequest) throw err;
        log.error({ err: describeError(err) }, 'admission failed: queue unavailable');
        return refuse('unavailable', WORDING.queueDown);
      }
    },

    async release(admitted) {
      await admission.release(admitted.who, admitted.jobId, { forgetRequest: true });
    },

    async submit(input, admitted, resolved) {
      const parsed = StyleRequest.safeParse(input);
      if (!parsed.success) {
        log.warn({ issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'refused an invalid request');
        refuse('invalid-request', WORDING.invalidRequest);
      }
      // A submit that outlives its timeout is abandoned: the user was told it failed, so it must
      // not go on to enqueue a job when Redis answers again.
      const attempt = { abandoned: false };
      try {
        return await withTimeout(submitValidated(parsed.data!, admitted, resolved, attempt), submitTimeoutMs, 'submit', () => (attempt.abandoned = true));
      } catch (err) {
        if (err instanceof JobRefused) throw err;
        log.error({ err: describeError(err) }, 'submit failed: queue unavailable');
        return refuse('unavailable', WORDING.queueDown);
      }
    },

    async cancel(jobId, userId, server) {
      const job = await queue.getJob(jobId);
      // Ownership is the whole identity: the same user id in another workspace is someone else.
      if (!job || job.data?.request?.user?.id !== userId || job.data.request.server !== server) return false;
      const state = await job.getState();
      if (state === 'completed' || state === 'failed' || state === 'unknown') return false;
      const { request } = job.data;
      // The marker first: a worker about to start this job checks it and will not render.
      await redis.set(k.cancel(jobId), userId, 'EX', DEDUPE_TTL_S);
      if (state !== 'active') {
        try {
          await job.remove();
          await delivery.recordOutcome(jobId, { type: 'cancelled' });
          await admission.release(requesterOf(request), jobId);
          await producer.publishEvent({ eventName: EVENTS.outcome, jobId });
          return true;
        } catch {
          // It became active (locked) between getState and remove: stop it as a running job.
        }
      }
      await producer.publishEvent({ eventName: EVENTS.cancel, jobId });
      return true;
    },

    async dropServerJobs(platform, server) {
      // Rare (a workspace removed the app): a scan of the unfinished jobs is cheap enough.
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
      let dropped = 0;
      for (const job of jobs) {
        const request = job?.data?.request;
        if (!job?.id || request?.platform !== platform || request.server !== server) continue;
        if (await client.cancel(job.id, request.user.id, server)) dropped++;
      }
      return dropped;
    },

    async ownerOf(jobId) {
      const job = await queue.getJob(jobId);
      const request = StyleRequest.safeParse(job?.data?.request);
      return request.success ? requesterOf(request.data) : undefined;
    },

    async recordResult(platform, place, record) {
      await redis.set(k.result(platform, place), JSON.stringify(record), 'EX', RESULT_RECORD_TTL_S);
    },

    async resultAt(platform, place) {
      const raw = await redis.get(k.result(platform, place));
      if (!raw) return undefined;
      try {
        const r = JSON.parse(raw) as Partial<ResultRecord>;
        return typeof r.jobId === 'string' && typeof r.owner?.userId === 'string' && r.owner.platform === platform ? (r as ResultRecord) : undefined;
      } catch {
        return undefined;
      }
    },

    position,

    isSettled: (jobId) => delivery.isSettled(jobId),

    showStatus: (jobId, status) => delivery.showStatus(jobId, status),

    async subscribe(platform: Platform, handler: JobEventHandler) {
      await follow();
      await delivery.subscribe(platform, handler);
    },

    depth,

    sweep: () => delivery.sweep(),

    async ping() {
      try {
        return (await withTimeout(redis.ping(), 2_000, 'ping')) === 'PONG';
      } catch {
        return false;
      }
    },

    async close() {
      await delivery.close();
      // Bounded: with Redis away BullMQ's close() never returns, and a bot must still shut down.
      const graceMs = config.delivery.closeGraceMs;
      await Promise.allSettled([
        events ? closeWithin(events, graceMs, 'the render queue events', log) : undefined,
        closeWithin(producer, graceMs, 'the events producer', log),
        closeWithin(queue, graceMs, 'the render queue', log),
        withTimeout(blobs.close(), graceMs, 'closing the blob store'),
      ]);
      redis.disconnect();
    },
  };
  return client;
}

/** The options that were given (an undefined one keeps the config's value). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
