/**
 * Delivery — the jobs layer's half of showing jobs in chat: every job's status updates and its
 * final event reach the adapter of the platform that asked, through exactly one bot process at a
 * time, however many run, across restarts, hung platform calls and Redis restarts. (How a job is
 * *presented* is the chat layer's half: src/chat/common/delivery/.) Small parts, one job each:
 *
 *   pending-registry  jobs not yet delivered (`pending:<platform>`), their requests
 *   outcome           how a job ended: the queue's state or a recorded outcome
 *   lease             fenced leases in Redis (claim of a final delivery, the edit gate)
 *   editor-role       one bot process per platform edits statuses and posts results; another takes over when it dies
 *   edit-gate         one status edit in flight per job, spaced by the edit interval
 *   status-updates    latest status per job → a deduplicated, rate-limited BullMQ queue per platform
 *   final-delivery    one fenced attempt per final event, bookkeeping, "undeliverable" after the last
 *   sweeper           periodic check of pending jobs (what no event announced), in parallel, with deadlines
 *   lost-job-watch    jobs this process registered that vanished from Redis → "lost" to their user
 *   events            the render queue's events → final deliveries and status updates
 */
import type { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { Platform, StyleRequest } from '../../requests/style-request.ts';
import { describeError } from '../../util/describe-error.ts';
import type { Keys } from '../keys.ts';
import type { Position } from '../position.ts';
import type { RenderQueue } from '../queue.ts';
import type { JobEventHandler, StatusUpdate } from '../types.ts';
import { withDeadline } from './deadline.ts';
import { EditGate } from './edit-gate.ts';
import { EditorRole } from './editor-role.ts';
import { fanOutQueueEvents } from './events.ts';
import { FinalDelivery } from './final-delivery.ts';
import { FencedLeases } from './lease.ts';
import { LostJobWatch } from './lost-job-watch.ts';
import { Outcomes, type Outcome } from './outcome.ts';
import { PendingRegistry, platformOfJobId, type PendingEntry } from './pending-registry.ts';
import { StatusUpdates, type StatusUpdatesDeps } from './status-updates.ts';
import { Sweeper } from './sweeper.ts';

export { platformOfJobId, type PendingEntry } from './pending-registry.ts';
export { toEvent, type Outcome } from './outcome.ts';

export interface DeliveryDeps {
  redis: Redis;
  keys: Keys;
  queue: RenderQueue;
  log: Logger;
  metrics?: Metrics;
  config: DeliveryConfig;
  /** BullMQ's connection and prefix for the status queues. */
  bull: StatusUpdatesDeps['bull'];
  /** A waiting job's place in line (for a job sent back to the queue). */
  position(jobId: string): Promise<Position | null>;
}

export class Delivery {
  private readonly pendingJobs: PendingRegistry;
  private readonly outcomes: Outcomes;
  private readonly final: FinalDelivery;
  private readonly statuses: StatusUpdates;
  private readonly watch: LostJobWatch;
  private readonly sweeper: Sweeper;
  private readonly leases: FencedLeases;
  private readonly roles = new Map<Platform, EditorRole>();

  constructor(private readonly deps: DeliveryDeps) {
    const { redis, keys, queue, log, metrics, config } = deps;
    const leases = (this.leases = new FencedLeases(redis));
    const gate = new EditGate(redis, keys, leases, { lockMs: config.statusLockMs, pollMs: config.gatePollMs });
    this.pendingJobs = new PendingRegistry(redis, keys, config.requestCacheEntries);
    this.outcomes = new Outcomes(redis, keys, queue, { lostAfterMs: config.lostAfterMs, ttlS: config.outcomeTtlS });
    this.final = new FinalDelivery({ redis, keys, pending: this.pendingJobs, outcomes: this.outcomes, leases, gate, log, metrics, config, onRecorded: (jobId) => this.watch.forget(jobId) });
    this.watch = new LostJobWatch(redis, keys, this.final, log, metrics, config.lostAfterSweeps);
    this.statuses = new StatusUpdates({ redis, keys, pending: this.pendingJobs, gate, isSettled: (jobId) => this.final.isSettled(jobId), bull: deps.bull, config, log });
    this.sweeper = new Sweeper({ sweepMs: config.sweepMs, concurrency: config.concurrency, deadlineMs: config.deadlineMs }, () => this.sweepWork(), log);
  }

  // ── Bookkeeping at submission ────────────────────────────────────────────────────────────────

  async register(jobId: string, request: StyleRequest, now = Date.now()): Promise<void> {
    await this.pendingJobs.register(jobId, request, now);
    this.pendingJobs.remember(jobId, request);
    this.watch.watch(jobId, request);
  }

  async unregister(platform: Platform, jobId: string): Promise<void> {
    this.watch.forget(jobId);
    await this.pendingJobs.unregister(platform, jobId);
  }

  /** Record how a job ended when no worker ran it (cached result, cancelled while waiting). */
  recordOutcome(jobId: string, outcome: Outcome): Promise<void> {
    return this.outcomes.record(jobId, outcome);
  }

  pending(platform: Platform): Promise<Map<string, PendingEntry>> {
    return this.pendingJobs.all(platform);
  }

  // ── Following jobs ───────────────────────────────────────────────────────────────────────────

  /** Follow the render queue's events (once per process); the editor of a job's platform acts on them. */
  follow(events: QueueEvents): void {
    fanOutQueueEvents(
      events,
      {
        handles: (platform) => this.isEditor(platform),
        onFinished: (jobId) => this.onFinished(jobId),
        publishStatus: (jobId, status, opts) => this.statuses.publish(jobId, status, opts),
        isPending: async (jobId) => (await this.pendingJobs.requestOf(jobId)) !== undefined,
        position: (jobId) => this.deps.position(jobId),
      },
      this.deps.log,
    );
  }

  /**
   * Deliver one platform's events from this process: it stands by for the platform's editor role
   * (editor-role.ts) and, while it holds it, edits statuses and posts results; in any case it tells
   * the users of jobs it submitted that vanished from Redis.
   */
  async subscribe(platform: Platform, handler: JobEventHandler): Promise<void> {
    this.final.setHandler(platform, handler);
    let role = this.roles.get(platform);
    if (!role) {
      const hooks = {
        gained: async () => {
          this.statuses.consume(platform, handler);
          // What finished while no editor was listening (or while the last one was dying).
          void this.sweeper.sweep();
        },
        lost: () => this.statuses.stopConsuming(platform),
      };
      role = new EditorRole(platform, this.leases, this.deps.keys, this.deps.config.statusLockMs, hooks, this.deps.log);
      this.roles.set(platform, role);
    }
    await role.start();
    await this.sweeper.sweep();
    this.sweeper.start();
  }

  isSubscribed(platform: Platform): boolean {
    return this.final.handles(platform);
  }

  /** Whether this process edits `platform`'s statuses and posts its results now. */
  isEditor(platform: Platform): boolean {
    return this.roles.get(platform)?.held ?? false;
  }

  /** Whether a job's final event is being delivered or has been (by any bot process). */
  isSettled(jobId: string): Promise<boolean> {
    return this.final.isSettled(jobId);
  }

  /** Show a job's status through its one editor (any process may call this). */
  showStatus(jobId: string, status: StatusUpdate): Promise<void> {
    return this.statuses.publish(jobId, status);
  }

  /** A job may have finished: deliver its final event if it did and this process handles its platform. */
  async onFinished(jobId: string): Promise<void> {
    const platform = platformOfJobId(jobId);
    if (!platform || !this.isEditor(platform) || !this.final.handles(platform)) return;
    await withDeadline(this.final.tryDeliver(platform, jobId), this.deps.config.deadlineMs).catch((err: unknown) =>
      this.deps.log.warn({ jobId, err: describeError(err) }, 'delivery attempt did not finish; the sweep retries it'),
    );
  }

  /** Check every pending job of the subscribed platforms once (see sweeper.ts). */
  sweep(): Promise<void> {
    return this.sweeper.sweep();
  }

  /** Stop sweeping and editing; wait a little for attempts in flight (a hung one is left to lapse: its claim expires). */
  async close(graceMs = this.deps.config.closeGraceMs): Promise<void> {
    await Promise.all([this.sweeper.close(graceMs), ...[...this.roles.values()].map((r) => r.close())]);
    await this.statuses.close();
  }

  private async sweepWork(): Promise<Array<() => Promise<unknown>>> {
    const work: Array<() => Promise<unknown>> = [];
    for (const platform of this.final.platforms()) {
      const pending = await this.pendingJobs.all(platform);
      if (this.isEditor(platform)) for (const jobId of pending.keys()) work.push(() => this.final.tryDeliver(platform, jobId));
      work.push(...this.watch.checksFor(platform, pending));
    }
    return work;
  }
}
