/**
 * Delivery: every job's final event (completed, failed, cancelled) reaches the adapter of the
 * platform that asked exactly once — across bot restarts and several bot processes.
 *
 * Each submitted job is registered in `pending:<platform>` (job id → request). A final event is
 * delivered by whoever holds the short `delivering:<jobId>` claim; the entry is removed from
 * `pending` only after the adapter's handler resolved ("marked delivered"). Triggers are the
 * queue's events (fast path) and a periodic sweep of `pending` (bot restarts, missed events), and
 * both go through the same claim, so neither can deliver twice. A handler that throws is retried on
 * later sweeps, a few times, then given up with an error log.
 *
 * The one window left: a bot killed after its handler posted the result but before the entry was
 * removed re-delivers once when the claim expires. That is inherent without an idempotent platform
 * API, and it is as narrow as one Redis round trip.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Platform, StyleRequest } from '../requests/style-request.ts';
import { decodeFailure, FAILURE_TEXT } from './failures.ts';
import type { Keys } from './keys.ts';
import type { RenderQueue } from './queue.ts';
import type { JobEvent, JobEventHandler, JobProgress, JobResult } from './types.ts';

export interface PendingEntry {
  request: StyleRequest;
  submittedAt: number;
}

/** How a job ended. */
export type Outcome =
  | { type: 'completed'; result: JobResult }
  | { type: 'failed'; userMessage: string; reason: string }
  | { type: 'cancelled' };

export interface DeliveryOptions {
  /** How often pending jobs are checked for a final state (default 5 s). */
  sweepMs?: number;
  /** How long one delivery may take before another process may retry it (default 2 min). */
  claimMs?: number;
  /** A pending job found nowhere (not queued, not finished) after this long is reported lost (default 10 min). */
  lostAfterMs?: number;
  /** Handler failures before a final event is dropped (default 5). */
  maxHandlerFailures?: number;
}

/** Synthetic outcomes (cached results, jobs cancelled while waiting) are kept this long. */
const OUTCOME_TTL_S = 7 * 24 * 3600;

/** The job id starts with its platform (see jobIdFor), so an event is routed without a lookup. */
export function platformOfJobId(jobId: string): Platform | undefined {
  const p = jobId.split('-', 1)[0];
  return p === 'discord' || p === 'slack' || p === 'cli' ? p : undefined;
}

const RELEASE_CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class Delivery {
  private readonly handlers = new Map<Platform, JobEventHandler>();
  /** Requests of jobs seen recently, so progress events need no Redis lookup. */
  private readonly requests = new Map<string, StyleRequest>();
  private readonly owner = randomUUID();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;
  private readonly opts: Required<DeliveryOptions>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly queue: RenderQueue,
    private readonly log: Logger,
    private readonly metrics: Metrics | undefined,
    opts: DeliveryOptions = {},
  ) {
    this.opts = { sweepMs: 5_000, claimMs: 120_000, lostAfterMs: 10 * 60_000, maxHandlerFailures: 5, ...opts };
  }

  // ── Bookkeeping at submission ────────────────────────────────────────────────────────────────

  async register(jobId: string, request: StyleRequest, now = Date.now()): Promise<void> {
    const entry: PendingEntry = { request, submittedAt: now };
    await this.redis.hset(this.keys.pending(request.platform), jobId, JSON.stringify(entry));
  }

  async unregister(platform: Platform, jobId: string): Promise<void> {
    await this.redis.hdel(this.keys.pending(platform), jobId);
  }

  /** Record how a job ended when no worker ran it (cached result, cancelled while waiting). */
  async recordOutcome(jobId: string, outcome: Outcome): Promise<void> {
    await this.redis.set(this.keys.outcome(jobId), JSON.stringify(outcome), 'EX', OUTCOME_TTL_S);
  }

  async pending(platform: Platform): Promise<Map<string, PendingEntry>> {
    const all = await this.redis.hgetall(this.keys.pending(platform));
    return new Map(Object.entries(all).map(([id, v]) => [id, JSON.parse(v) as PendingEntry]));
  }

  // ── Following jobs ───────────────────────────────────────────────────────────────────────────

  /** Start delivering one platform's events; delivers what finished while no bot was listening. */
  async subscribe(platform: Platform, handler: JobEventHandler): Promise<void> {
    this.handlers.set(platform, handler);
    await this.sweep();
    if (!this.sweepTimer && !this.closed) {
      this.sweepTimer = setInterval(() => void this.sweep(), this.opts.sweepMs);
      this.sweepTimer.unref();
    }
  }

  isSubscribed(platform: Platform): boolean {
    return this.handlers.has(platform);
  }

  /** A job may have finished: deliver its final event if it did and this process handles its platform. */
  async onFinished(jobId: string): Promise<void> {
    const platform = platformOfJobId(jobId);
    if (!platform || !this.handlers.has(platform)) return;
    await this.tryDeliver(platform, jobId);
  }

  async onActive(jobId: string): Promise<void> {
    await this.notify(jobId, (request) => ({ type: 'active', jobId, request }));
  }

  async onProgress(jobId: string, progress: JobProgress): Promise<void> {
    await this.notify(jobId, (request) => ({ type: 'progress', jobId, request, progress }));
  }

  async onRequeued(jobId: string, position: () => Promise<{ position: number; etaMs?: number; workersOnline?: number } | null>): Promise<void> {
    const pos = await this.requestOf(jobId).then((r) => (r ? position() : null));
    if (!pos) return;
    await this.notify(jobId, (request) => ({ type: 'queued', jobId, request, position: pos.position, etaMs: pos.etaMs, workersOnline: pos.workersOnline }));
  }

  /** Check every pending job of the subscribed platforms once (runs one at a time). */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (const platform of this.handlers.keys()) {
          for (const jobId of (await this.pending(platform)).keys()) {
            if (this.closed) return;
            await this.tryDeliver(platform, jobId);
          }
        }
      } catch (err) {
        this.log.warn({ err }, 'delivery sweep failed; will retry');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    await this.sweeping;
  }

  // ── Internals ────────────────────────────────────────────────────────────────────────────────

  /** Best-effort, non-final events (progress, active, queued): no claim, no retry. */
  private async notify(jobId: string, make: (request: StyleRequest) => JobEvent): Promise<void> {
    const platform = platformOfJobId(jobId);
    const handler = platform && this.handlers.get(platform);
    if (!handler) return;
    const request = await this.requestOf(jobId);
    if (!request) return;
    try {
      await handler(make(request));
    } catch (err) {
      this.log.warn({ err, jobId }, 'adapter failed to handle a progress event');
    }
  }

  private async requestOf(jobId: string): Promise<StyleRequest | undefined> {
    const known = this.requests.get(jobId);
    if (known) return known;
    const platform = platformOfJobId(jobId);
    if (!platform) return undefined;
    const raw = await this.redis.hget(this.keys.pending(platform), jobId);
    if (!raw) return undefined;
    const { request } = JSON.parse(raw) as PendingEntry;
    if (this.requests.size > 10_000) this.requests.clear();
    this.requests.set(jobId, request);
    return request;
  }

  /** How a job ended, or null while it is still waiting or running. */
  async resolveOutcome(jobId: string, entry: PendingEntry, now = Date.now()): Promise<Outcome | null> {
    const synthetic = await this.redis.get(this.keys.outcome(jobId));
    if (synthetic) return JSON.parse(synthetic) as Outcome;
    // State first, then the job: the finishing script writes the result and the state together,
    // so a job read after seeing 'completed' has its return value (read the other way round, it may not).
    const state = await this.queue.getJobState(jobId);
    if (state === 'unknown') {
      if (await this.redis.exists(this.keys.cancel(jobId))) return { type: 'cancelled' };
      if (now - entry.submittedAt > this.opts.lostAfterMs) return { type: 'failed', userMessage: FAILURE_TEXT.lost, reason: 'lost: job no longer in the queue' };
      return null; // not added yet (submit registers before it adds)
    }
    if (state !== 'completed' && state !== 'failed') return null;
    const job = await this.queue.getJob(jobId);
    if (!job) return null; // removed in between: the next sweep sees 'unknown'
    if (state === 'completed') return job.returnvalue ? { type: 'completed', result: job.returnvalue } : null;
    const f = decodeFailure(job.failedReason);
    return f.code === 'cancelled' ? { type: 'cancelled' } : { type: 'failed', userMessage: f.userMessage, reason: f.reason };
  }

  private async tryDeliver(platform: Platform, jobId: string): Promise<boolean> {
    const handler = this.handlers.get(platform);
    if (!handler) return false;
    const pendingKey = this.keys.pending(platform);
    const raw = await this.redis.hget(pendingKey, jobId);
    if (!raw) return false; // delivered already
    const entry = JSON.parse(raw) as PendingEntry;
    const outcome = await this.resolveOutcome(jobId, entry);
    if (!outcome) return false;

    const claimKey = this.keys.delivering(jobId);
    if ((await this.redis.set(claimKey, this.owner, 'PX', this.opts.claimMs, 'NX')) !== 'OK') return false;
    try {
      // Another process may have delivered between our read and our claim.
      if (!(await this.redis.hexists(pendingKey, jobId))) return false;
      await handler(toEvent(jobId, entry.request, outcome));
      await this.redis.multi().hdel(pendingKey, jobId).del(this.keys.deliveryFailures(jobId)).exec();
      this.requests.delete(jobId);
      this.metrics?.deliveries.inc({ platform, type: outcome.type });
      return true;
    } catch (err) {
      const failures = await this.redis.incr(this.keys.deliveryFailures(jobId));
      await this.redis.expire(this.keys.deliveryFailures(jobId), OUTCOME_TTL_S);
      if (failures >= this.opts.maxHandlerFailures) {
        await this.redis.hdel(pendingKey, jobId);
        this.log.error({ err, jobId, platform, failures }, 'giving up delivering a job: the adapter failed every time');
      } else {
        this.log.warn({ err, jobId, platform, failures }, 'adapter failed to deliver a job; will retry');
      }
      return false;
    } finally {
      await this.redis.eval(RELEASE_CLAIM, 1, claimKey, this.owner).catch(() => undefined);
    }
  }
}

export function toEvent(jobId: string, request: StyleRequest, outcome: Outcome): JobEvent {
  switch (outcome.type) {
    case 'completed':
      return { type: 'completed', jobId, request, result: outcome.result };
    case 'failed':
      return { type: 'failed', jobId, request, userMessage: outcome.userMessage, reason: outcome.reason };
    case 'cancelled':
      return { type: 'cancelled', jobId, request };
  }
}
