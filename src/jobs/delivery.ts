/**
 * Delivery claims — the jobs layer's half of "delivery": every job's final event (completed, failed,
 * cancelled) is handed to the adapter of the platform that asked, exactly once in effect, across bot
 * restarts, several bot processes, hung platform calls and Redis restarts. (How a result is
 * *presented* in chat is the chat layer's half: src/chat/common/delivery/.)
 *
 * Protocol, per job:
 *   pending:<platform>[jobId]   registered at submit; removed by the bookkeeping below
 *   delivering:<jobId> = token  a fenced claim: SET NX PX with a fresh token per attempt, renewed
 *                               (compare-and-PEXPIRE) while the handler runs, released with
 *                               compare-and-delete — an attempt never drops another attempt's claim
 *   delivered:<jobId>           written with the HDEL, atomically, once the handler resolved
 *
 * Triggers are the queue's events (fast path) and a periodic sweep of `pending` that runs items in
 * parallel, each within a deadline, so one hung platform call holds up nothing else.
 *
 * A successful post and its bookkeeping are separate steps: when the bookkeeping fails, it is
 * retried on its own (the handler is not called again by this process). A process killed between
 * the two leaves the job pending; the next attempt calls the handler again, and the adapter's
 * idempotent post (Discord nonce, Slack thread check) shows the user one result.
 *
 * Nothing silent: after `maxAttempts` failed attempts the adapter gets a `failed` event with an
 * "undeliverable" notice instead (and `easel_delivery_failed_total` counts it). Jobs this process
 * registered and is waiting for are remembered in memory; when one disappears from Redis without a
 * `delivered` marker (a Redis restart without persistence), the user is told it was lost.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Platform, StyleRequest } from '../requests/style-request.ts';
import { describeError } from '../util/describe-error.ts';
import { decodeFailure } from './failures.ts';
import { WORDING } from '../requests/wording.ts';
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
  /** Lifetime of a claim; renewed every third of it while the handler runs (default 60 s). */
  claimMs?: number;
  /** Longest one attempt may run; past it the attempt counts as failed and its claim lapses (default 3 min). */
  deadlineMs?: number;
  /** A pending job found nowhere (not queued, not finished) after this long is reported lost (default 10 min). */
  lostAfterMs?: number;
  /** Failed attempts before the user is sent the "undeliverable" notice instead (default 5). */
  maxAttempts?: number;
  /** Deliveries one sweep runs at once (default 8). */
  concurrency?: number;
}

/** Synthetic outcomes (cached results, jobs cancelled while waiting) and delivered markers are kept this long. */
const OUTCOME_TTL_S = 7 * 24 * 3600;
/** Attempts at the "undeliverable" notice itself before the job is dropped (with an error log). */
const NOTICE_ATTEMPTS = 3;
/** Sweeps in a row a watched job must be missing from Redis before its user is told it was lost. */
const LOST_AFTER_SWEEPS = 2;

/** The job id starts with its platform (see jobIdFor), so an event is routed without a lookup. */
export function platformOfJobId(jobId: string): Platform | undefined {
  const p = jobId.split('-', 1)[0];
  return p === 'discord' || p === 'slack' || p === 'cli' ? p : undefined;
}

const RENEW_CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/**
 * Bookkeeping after the handler resolved: the job leaves `pending`, the delivered marker is set and
 * the failure count dropped in one step; the claim is released only if it is still this attempt's.
 * KEYS: pending, delivered, failures, claim · ARGV: jobId, ttlS, token
 */
const RECORD_DELIVERED = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
redis.call('DEL', KEYS[3])
if redis.call('GET', KEYS[4]) == ARGV[3] then redis.call('DEL', KEYS[4]) end
return 1`;

interface Watched {
  platform: Platform;
  request: StyleRequest;
  missingSweeps: number;
}

class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`delivery attempt still running after ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

export class DeliveryClaims {
  private readonly handlers = new Map<Platform, JobEventHandler>();
  /** Requests of jobs seen recently, so progress events need no Redis lookup. */
  private readonly requests = new Map<string, StyleRequest>();
  /** This process's own record of the jobs it registered and still waits for (lost-job detection). */
  private readonly watched = new Map<string, Watched>();
  /** Attempts running in this process (a second trigger for the same job waits for the next sweep). */
  private readonly attempts = new Set<string>();
  /** Posted, but the bookkeeping failed: only the bookkeeping is retried. */
  private readonly unrecorded = new Map<string, Platform>();
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
    const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.opts = { sweepMs: 5_000, claimMs: 60_000, deadlineMs: 180_000, lostAfterMs: 10 * 60_000, maxAttempts: 5, concurrency: 8, ...defined };
  }

  // ── Bookkeeping at submission ────────────────────────────────────────────────────────────────

  async register(jobId: string, request: StyleRequest, now = Date.now()): Promise<void> {
    const entry: PendingEntry = { request, submittedAt: now };
    await this.redis.hset(this.keys.pending(request.platform), jobId, JSON.stringify(entry));
    this.watched.set(jobId, { platform: request.platform, request, missingSweeps: 0 });
  }

  async unregister(platform: Platform, jobId: string): Promise<void> {
    this.watched.delete(jobId);
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

  /**
   * Whether a job's final event is being delivered or has been (claimed, recorded, or no longer
   * pending): a progress edit still waiting in some bot's throttle must not overwrite the final
   * state another bot has shown.
   */
  async isSettled(jobId: string): Promise<boolean> {
    const platform = platformOfJobId(jobId);
    if (!platform) return true;
    const [claimed, delivered, pending] = await Promise.all([this.redis.exists(this.keys.delivering(jobId)), this.redis.exists(this.keys.delivered(jobId)), this.redis.hexists(this.keys.pending(platform), jobId)]);
    return claimed === 1 || delivered === 1 || pending === 0;
  }

  isSubscribed(platform: Platform): boolean {
    return this.handlers.has(platform);
  }

  /** A job may have finished: deliver its final event if it did and this process handles its platform. */
  async onFinished(jobId: string): Promise<void> {
    const platform = platformOfJobId(jobId);
    if (!platform || !this.handlers.has(platform)) return;
    await this.withDeadline(this.tryDeliver(platform, jobId)).catch((err: unknown) => this.log.warn({ jobId, err: describeError(err) }, 'delivery attempt did not finish; the sweep retries it'));
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

  /**
   * Check every pending job of the subscribed platforms once, `concurrency` at a time, each within
   * the deadline; then the jobs this process waits for that Redis no longer knows (one sweep at a time).
   */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const work: Array<() => Promise<unknown>> = [];
        for (const platform of this.handlers.keys()) {
          const pending = await this.pending(platform);
          for (const jobId of pending.keys()) work.push(() => this.tryDeliver(platform, jobId));
          for (const [jobId, w] of this.watched) {
            if (w.platform === platform && !pending.has(jobId)) work.push(() => this.checkMissing(jobId, w));
          }
        }
        await runPool(work, this.opts.concurrency, (item) =>
          this.closed ? Promise.resolve() : this.withDeadline(item()).catch((err: unknown) => this.log.warn({ err: describeError(err) }, 'delivery sweep item failed; will retry')),
        );
      } catch (err) {
        this.log.warn({ err: describeError(err) }, 'delivery sweep failed; will retry');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** Stop sweeping; wait a little for attempts in flight (a hung one is left to lapse: its claim expires). */
  async close(graceMs = 5_000): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sweeping, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
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
      this.log.warn({ err: describeError(err), jobId }, 'adapter failed to handle a progress event');
    }
  }

  private async requestOf(jobId: string): Promise<StyleRequest | undefined> {
    const known = this.requests.get(jobId) ?? this.watched.get(jobId)?.request;
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
      if (now - entry.submittedAt > this.opts.lostAfterMs) return { type: 'failed', userMessage: WORDING.lost, reason: 'lost: job no longer in the queue' };
      return null; // not added yet (submit registers before it adds)
    }
    if (state !== 'completed' && state !== 'failed') return null;
    const job = await this.queue.getJob(jobId);
    if (!job) return null; // removed in between: the next sweep sees 'unknown'
    if (state === 'completed') return job.returnvalue ? { type: 'completed', result: job.returnvalue } : null;
    const f = decodeFailure(job.failedReason);
    return f.code === 'cancelled' ? { type: 'cancelled' } : { type: 'failed', userMessage: f.userMessage, reason: f.reason };
  }

  private async tryDeliver(platform: Platform, jobId: string): Promise<void> {
    if (this.attempts.has(jobId)) return;
    if (this.unrecorded.has(jobId)) return this.record(platform, jobId, undefined);
    const raw = await this.redis.hget(this.keys.pending(platform), jobId);
    if (!raw) return; // delivered already
    const entry = JSON.parse(raw) as PendingEntry;
    const outcome = await this.resolveOutcome(jobId, entry);
    if (!outcome) return;
    const failures = Number(await this.redis.get(this.keys.deliveryFailures(jobId))) || 0;
    const event = failures < this.opts.maxAttempts ? toEvent(jobId, entry.request, outcome) : undeliverableEvent(jobId, entry.request);
    await this.attempt(platform, jobId, event, async (err) => {
      const n = await this.redis.incr(this.keys.deliveryFailures(jobId));
      await this.redis.expire(this.keys.deliveryFailures(jobId), OUTCOME_TTL_S);
      const fields = { err: describeError(err), jobId, platform, attempt: n };
      if (n < this.opts.maxAttempts) {
        this.log.warn(fields, 'delivery attempt failed; will retry');
      } else if (n === this.opts.maxAttempts) {
        this.metrics?.deliveryFailed.inc({ platform, reason: 'undeliverable' });
        this.log.error(fields, 'every delivery attempt failed; the user is sent the undeliverable notice instead');
      } else if (n >= this.opts.maxAttempts + NOTICE_ATTEMPTS) {
        this.log.error(fields, 'could not even post the undeliverable notice; dropping the job');
        await this.record(platform, jobId, undefined);
      }
    });
  }

  /** A job this process registered is gone from `pending`: delivered elsewhere, or lost with Redis. */
  private async checkMissing(jobId: string, w: Watched): Promise<void> {
    if (this.attempts.has(jobId) || this.unrecorded.has(jobId)) return;
    if (await this.redis.exists(this.keys.delivered(jobId))) {
      this.watched.delete(jobId);
      return;
    }
    if (await this.redis.hexists(this.keys.pending(w.platform), jobId)) return; // registered again meanwhile
    w.missingSweeps += 1;
    if (w.missingSweeps < LOST_AFTER_SWEEPS) return;
    this.log.error({ jobId, platform: w.platform }, 'a job this bot was waiting for is gone from Redis (restarted without persistence?); telling the user');
    const event: JobEvent = { type: 'failed', jobId, request: w.request, userMessage: WORDING.lost, reason: 'lost: gone from Redis' };
    await this.attempt(w.platform, jobId, event, async (err) => {
      this.log.warn({ err: describeError(err), jobId }, 'could not tell the user their job was lost; will retry');
    });
    if (!this.watched.has(jobId)) this.metrics?.deliveryFailed.inc({ platform: w.platform, reason: 'lost' });
  }

  /** One fenced attempt: claim, run the handler while renewing the claim, then bookkeeping or `onFailure`. */
  private async attempt(platform: Platform, jobId: string, event: JobEvent, onFailure: (err: unknown) => Promise<void>): Promise<void> {
    const handler = this.handlers.get(platform);
    if (!handler) return;
    const claimKey = this.keys.delivering(jobId);
    const token = randomUUID();
    if ((await this.redis.set(claimKey, token, 'PX', this.opts.claimMs, 'NX')) !== 'OK') return;
    this.attempts.add(jobId);
    const renewal = setInterval(() => {
      this.redis.eval(RENEW_CLAIM, 1, claimKey, token, this.opts.claimMs).catch(() => undefined);
    }, Math.max(50, Math.floor(this.opts.claimMs / 3)));
    try {
      // Another process may have delivered between our read and our claim.
      const stillPending = (await this.redis.hexists(this.keys.pending(platform), jobId)) || (await this.redis.exists(this.keys.delivered(jobId))) === 0;
      if (!stillPending) return void (await this.release(claimKey, token));
      const handled = handler(event);
      let outcome: { ok: true } | { ok: false; err: unknown };
      try {
        await this.withDeadline(handled);
        outcome = { ok: true };
      } catch (err) {
        outcome = { ok: false, err };
      }
      clearInterval(renewal);
      if (outcome.ok) {
        await this.record(platform, jobId, token, event);
        return;
      }
      if (outcome.err instanceof DeadlineExceeded) {
        // The hung call may still succeed: then it is recorded after all (the claim lapses meanwhile).
        handled.then(() => this.record(platform, jobId, undefined, event)).catch(() => undefined);
      } else {
        await this.release(claimKey, token);
      }
      await onFailure(outcome.err);
    } finally {
      clearInterval(renewal);
      this.attempts.delete(jobId);
    }
  }

  /** Bookkeeping after a successful post; when Redis fails here, only this is retried, never the post. */
  private async record(platform: Platform, jobId: string, token: string | undefined, event?: JobEvent): Promise<void> {
    try {
      await this.redis.eval(RECORD_DELIVERED, 4, this.keys.pending(platform), this.keys.delivered(jobId), this.keys.deliveryFailures(jobId), this.keys.delivering(jobId), jobId, OUTCOME_TTL_S, token ?? '');
    } catch (err) {
      this.unrecorded.set(jobId, platform);
      this.log.warn({ err: describeError(err), jobId }, 'result posted but not yet recorded; retrying the bookkeeping only');
      return;
    }
    const wasUnrecorded = this.unrecorded.delete(jobId);
    this.watched.delete(jobId);
    this.requests.delete(jobId);
    if (event && !wasUnrecorded) this.metrics?.deliveries.inc({ platform, type: event.type });
  }

  private async release(claimKey: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_CLAIM, 1, claimKey, token).catch(() => undefined);
  }

  private withDeadline<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineExceeded(this.opts.deadlineMs)), this.opts.deadlineMs);
      timer.unref();
    });
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  }
}

/** Run `work` with at most `limit` items at once. */
async function runPool<T>(work: Array<() => Promise<T>>, limit: number, run: (item: () => Promise<T>) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, work.length) }, async () => {
    while (next < work.length) await run(work[next++]);
  });
  await Promise.all(lanes);
}

function undeliverableEvent(jobId: string, request: StyleRequest): JobEvent {
  return { type: 'failed', jobId, request, userMessage: WORDING.undeliverable, reason: 'undeliverable: every delivery attempt failed' };
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
