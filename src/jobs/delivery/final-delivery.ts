/**
 * Final delivery: a finished job's final event (completed, failed, cancelled) handed to its
 * platform's handler, exactly once in effect, by whichever bot process claims it first.
 *
 *   delivering:<jobId> = token  the attempt's fenced claim (lease.ts), renewed while the handler runs
 *   delivered:<jobId>           written with the pending entry's removal, atomically, once the handler resolved
 *
 * A successful post and its bookkeeping are separate steps: when the bookkeeping fails, it is
 * retried on its own (the handler is not called again by this process). A process killed between
 * the two leaves the job pending; the next attempt calls the handler again, and the adapter's
 * idempotent post (Discord nonce, Slack thread check) shows the user one result.
 *
 * Nothing silent: after `attempts` failed attempts the handler gets a `failed` event with an
 * "undeliverable" notice instead (and `easel_delivery_failed_total` counts it).
 */
import type { Redis } from 'ioredis';
import type { DeliveryConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { Platform } from '../../requests/style-request.ts';
import { describeError } from '../../util/describe-error.ts';
import type { Keys } from '../keys.ts';
import type { JobEvent, JobEventHandler } from '../types.ts';
import { DeadlineExceeded, withDeadline } from './deadline.ts';
import type { EditGate } from './edit-gate.ts';
import type { FencedLeases } from './lease.ts';
import { toEvent, undeliverableEvent, type Outcomes } from './outcome.ts';
import { platformOfJobId, type PendingRegistry } from './pending-registry.ts';

/**
 * Bookkeeping after the handler resolved: the job leaves `pending`, the delivered marker is set,
 * the failure count and the latest status dropped in one step; the claim is released only if it is
 * still this attempt's. KEYS: pending, delivered, failures, claim, status · ARGV: jobId, ttlS, token
 */
const RECORD_DELIVERED = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
redis.call('DEL', KEYS[3])
redis.call('DEL', KEYS[5])
if redis.call('GET', KEYS[4]) == ARGV[3] then redis.call('DEL', KEYS[4]) end
return 1`;

export interface FinalDeliveryDeps {
  redis: Redis;
  keys: Keys;
  pending: PendingRegistry;
  outcomes: Outcomes;
  leases: FencedLeases;
  gate: EditGate;
  log: Logger;
  metrics?: Metrics;
  config: Pick<DeliveryConfig, 'claimMs' | 'deadlineMs' | 'attempts' | 'noticeAttempts' | 'outcomeTtlS'>;
  /** Called once a job's final event is recorded as delivered (the lost-job watch lets it go). */
  onRecorded(jobId: string): void;
}

export class FinalDelivery {
  private readonly handlers = new Map<Platform, JobEventHandler>();
  /** Attempts running in this process (a second trigger for the same job waits for the next sweep). */
  private readonly attempts = new Set<string>();
  /** Posted, but the bookkeeping failed: only the bookkeeping is retried. */
  private readonly unrecorded = new Map<string, Platform>();

  constructor(private readonly deps: FinalDeliveryDeps) {}

  setHandler(platform: Platform, handler: JobEventHandler): void {
    this.handlers.set(platform, handler);
  }

  handles(platform: Platform): boolean {
    return this.handlers.has(platform);
  }

  platforms(): Platform[] {
    return [...this.handlers.keys()];
  }

  /** Whether this process is delivering `jobId` now, or has posted it and still records it. */
  busyWith(jobId: string): boolean {
    return this.attempts.has(jobId) || this.unrecorded.has(jobId);
  }

  /**
   * Whether a job's final event is being delivered or has been (claimed, recorded, or no longer
   * pending): a status edit must not overwrite the final state.
   */
  async isSettled(jobId: string): Promise<boolean> {
    const { redis, keys } = this.deps;
    const platform = platformOfJobId(jobId);
    if (!platform) return true;
    const [claimed, delivered, pending] = await Promise.all([redis.exists(keys.delivering(jobId)), redis.exists(keys.delivered(jobId)), redis.hexists(keys.pending(platform), jobId)]);
    return claimed === 1 || delivered === 1 || pending === 0;
  }

  /** Deliver a job's final event if it has one (a trigger: the queue's event, or the sweep). */
  async tryDeliver(platform: Platform, jobId: string): Promise<void> {
    const { redis, keys, log, metrics, config } = this.deps;
    if (this.attempts.has(jobId)) return;
    if (this.unrecorded.has(jobId)) {
      await this.record(platform, jobId, undefined);
      return;
    }
    const entry = await this.deps.pending.get(platform, jobId);
    if (!entry) return; // delivered already
    const outcome = await this.deps.outcomes.resolve(jobId, entry);
    if (!outcome) return;
    const failures = Number(await redis.get(keys.deliveryFailures(jobId))) || 0;
    const event = failures < config.attempts ? toEvent(jobId, entry.request, outcome) : undeliverableEvent(jobId, entry.request);
    await this.attempt(platform, jobId, event, async (err) => {
      const n = await redis.incr(keys.deliveryFailures(jobId));
      await redis.expire(keys.deliveryFailures(jobId), config.outcomeTtlS);
      const fields = { err: describeError(err), jobId, platform, attempt: n };
      if (n < config.attempts) {
        log.warn(fields, 'delivery attempt failed; will retry');
      } else if (n === config.attempts) {
        metrics?.deliveryFailed.inc({ platform, reason: 'undeliverable' });
        log.error(fields, 'every delivery attempt failed; the user is sent the undeliverable notice instead');
      } else if (n >= config.attempts + config.noticeAttempts) {
        log.error(fields, 'could not even post the undeliverable notice; dropping the job');
        await this.record(platform, jobId, undefined);
      }
    });
  }

  /**
   * One fenced attempt: claim, wait for any status edit in flight (and the edit spacing), run the
   * handler while the claim is renewed, then bookkeeping or `onFailure`. Resolves true when recorded.
   */
  async attempt(platform: Platform, jobId: string, event: JobEvent, onFailure: (err: unknown) => Promise<void>): Promise<boolean> {
    const { redis, keys, config } = this.deps;
    const handler = this.handlers.get(platform);
    if (!handler) return false;
    const claim = await this.deps.leases.acquire(keys.delivering(jobId), config.claimMs);
    if (!claim) return false;
    this.attempts.add(jobId);
    try {
      // Another process may have delivered between our read and our claim.
      const stillPending = (await redis.hexists(keys.pending(platform), jobId)) || (await redis.exists(keys.delivered(jobId))) === 0;
      if (!stillPending) {
        await claim.release();
        return false;
      }
      // After any status edit in flight and the edit interval (bounded by the gate's lease and the
      // interval), so the result is never overwritten by a late progress edit; the deadline is the handler's.
      await this.deps.gate.waitClear(jobId);
      const handled = handler(event);
      let outcome: { ok: true } | { ok: false; err: unknown };
      try {
        await withDeadline(handled, config.deadlineMs);
        outcome = { ok: true };
      } catch (err) {
        outcome = { ok: false, err };
      }
      claim.stopRenewing();
      if (outcome.ok) return await this.record(platform, jobId, claim.token, event);
      if (outcome.err instanceof DeadlineExceeded) {
        // The hung call may still succeed: then it is recorded after all (the claim lapses meanwhile).
        handled.then(() => this.record(platform, jobId, undefined, event)).catch(() => undefined);
      } else {
        await claim.release();
      }
      await onFailure(outcome.err);
      return false;
    } finally {
      claim.stopRenewing();
      this.attempts.delete(jobId);
    }
  }

  /** Bookkeeping after a successful post; when Redis fails here, only this is retried, never the post. */
  private async record(platform: Platform, jobId: string, token: string | undefined, event?: JobEvent): Promise<boolean> {
    const { redis, keys, config, log, metrics } = this.deps;
    try {
      await redis.eval(RECORD_DELIVERED, 5, keys.pending(platform), keys.delivered(jobId), keys.deliveryFailures(jobId), keys.delivering(jobId), keys.status(jobId), jobId, config.outcomeTtlS, token ?? '');
    } catch (err) {
      this.unrecorded.set(jobId, platform);
      log.warn({ err: describeError(err), jobId }, 'result posted but not yet recorded; retrying the bookkeeping only');
      return false;
    }
    const wasUnrecorded = this.unrecorded.delete(jobId);
    this.deps.pending.forget(jobId);
    this.deps.onRecorded(jobId);
    if (event && !wasUnrecorded) metrics?.deliveries.inc({ platform, type: event.type });
    return true;
  }
}
