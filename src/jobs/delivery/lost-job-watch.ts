/**
 * The lost-job watch: each bot process remembers the jobs it registered and still waits for. When
 * one disappears from `pending` without a `delivered` marker (Redis restarted without persistence),
 * its user is told it was lost — after `lostAfterSweeps` sweeps in a row, through a normal fenced
 * attempt, so only one process tells them.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';
import type { Metrics } from '../../ops/metrics.ts';
import type { Platform, StyleRequest } from '../../requests/style-request.ts';
import { describeError } from '../../util/describe-error.ts';
import type { Keys } from '../keys.ts';
import type { FinalDelivery } from './final-delivery.ts';
import { lostEvent } from './outcome.ts';
import type { PendingEntry } from './pending-registry.ts';

interface Watched {
  platform: Platform;
  request: StyleRequest;
  missingSweeps: number;
}

export class LostJobWatch {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly final: FinalDelivery,
    private readonly log: Logger,
    private readonly metrics: Metrics | undefined,
    private readonly lostAfterSweeps: number,
  ) {}

  watch(jobId: string, request: StyleRequest): void {
    this.watched.set(jobId, { platform: request.platform, request, missingSweeps: 0 });
  }

  forget(jobId: string): void {
    this.watched.delete(jobId);
  }

  requestOf(jobId: string): StyleRequest | undefined {
    return this.watched.get(jobId)?.request;
  }

  /** One check per watched job of `platform` that `pending` (just read) no longer holds. */
  checksFor(platform: Platform, pending: Map<string, PendingEntry>): Array<() => Promise<void>> {
    return [...this.watched].filter(([jobId, w]) => w.platform === platform && !pending.has(jobId)).map(([jobId, w]) => () => this.checkMissing(jobId, w));
  }

  /** A job this process registered is gone from `pending`: delivered elsewhere, or lost with Redis. */
  private async checkMissing(jobId: string, w: Watched): Promise<void> {
    if (this.final.busyWith(jobId)) return;
    if (await this.redis.exists(this.keys.delivered(jobId))) {
      this.watched.delete(jobId);
      return;
    }
    if (await this.redis.hexists(this.keys.pending(w.platform), jobId)) return; // registered again meanwhile
    w.missingSweeps += 1;
    if (w.missingSweeps < this.lostAfterSweeps) return;
    this.log.error({ jobId, platform: w.platform }, 'a job this bot was waiting for is gone from Redis (restarted without persistence?); telling the user');
    const told = await this.final.attempt(w.platform, jobId, lostEvent(jobId, w.request), async (err) => {
      this.log.warn({ err: describeError(err), jobId }, 'could not tell the user their job was lost; will retry');
    });
    if (told) this.metrics?.deliveryFailed.inc({ platform: w.platform, reason: 'lost' });
  }
}
