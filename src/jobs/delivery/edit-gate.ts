/**
 * The edit gate of one job's status message, shared by every bot process: at most one edit in
 * flight (a fenced lease, `editing:<jobId>`), and none sooner than the spacing the last edit left
 * behind (`edit-spacing:<jobId>`, a key that lapses when the next edit may go: the edit interval,
 * or a platform's Retry-After). The status editor passes it before each progress edit; a final
 * delivery waits at it, so the result never races an edit in flight and keeps the spacing too.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../keys.ts';
import type { FencedLeases, Lease } from './lease.ts';

export type GateEntry = { lease: Lease } | { waitMs: number };

export class EditGate {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly leases: FencedLeases,
    private readonly opts: { lockMs: number; pollMs: number },
  ) {}

  /** For a status edit: the gate (hold it while editing), or how long to wait before trying again. */
  async enter(jobId: string): Promise<GateEntry> {
    const spacing = await this.leases.remainingMs(this.keys.editSpacing(jobId));
    if (spacing > 0) return { waitMs: spacing };
    const lease = await this.leases.acquire(this.keys.editing(jobId), this.opts.lockMs);
    if (lease) return { lease };
    // Only a dead editor's lease can be here (one status job per job is active at a time): it lapses.
    return { waitMs: Math.max(this.opts.pollMs, await this.leases.remainingMs(this.keys.editing(jobId))) };
  }

  /**
   * Right before an edit goes out: the spacing starts now, and lasts as long as an editor that dies
   * mid-edit holds the gate too (interval + lock), so the next editor keeps the interval even from
   * an edit whose end nobody recorded. `leave` sets the real spacing once the edit is done.
   */
  async beforeEdit(jobId: string, intervalMs: number): Promise<void> {
    await this.redis.set(this.keys.editSpacing(jobId), '1', 'PX', intervalMs + this.opts.lockMs);
  }

  /** After an edit: the next one waits `spacingMs` (undefined: no edit was made, the spacing stays as it was), then the gate opens. */
  async leave(lease: Lease, jobId: string, spacingMs: number | undefined): Promise<void> {
    try {
      if (spacingMs !== undefined && spacingMs > 0) await this.redis.set(this.keys.editSpacing(jobId), '1', 'PX', spacingMs);
      else if (spacingMs !== undefined) await this.redis.del(this.keys.editSpacing(jobId));
    } finally {
      await lease.release();
    }
  }

  /** For a final delivery (holding its claim): resolves once no edit is in flight and the spacing has passed. */
  async waitClear(jobId: string): Promise<void> {
    for (;;) {
      const [editing, spacing] = await Promise.all([this.leases.remainingMs(this.keys.editing(jobId)), this.leases.remainingMs(this.keys.editSpacing(jobId))]);
      if (editing === 0 && spacing === 0) return;
      await new Promise((resolve) => setTimeout(resolve, editing > 0 ? this.opts.pollMs : spacing));
    }
  }
}
