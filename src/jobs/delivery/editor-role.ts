/**
 * The editor role of a platform: one bot process at a time (a fenced lease, `editor:<platform>`,
 * renewed while the process lives) edits that platform's status messages and posts its final
 * events; the others publish status updates and stand by. Every standby tries to take the role
 * every third of EASEL_STATUS_LOCK_MS, so when the editor dies (SIGKILL, a lost machine) another
 * process carries on within about that long; its BullMQ worker then picks up the dead editor's
 * stalled status update and the sweep delivers what finished meanwhile.
 *
 * Why one process per platform and not per job: a bot token allows 50 requests/s in all, which one
 * process sends easily, and a single editor makes "one editor per job" true by construction (with
 * BullMQ's queue-wide limiter on top). The fenced claims of final deliveries stay, so an overlap of
 * two editors during a handover (a stalled event loop) still posts every result once.
 */
import type { Logger } from '../../log.ts';
import type { Platform } from '../../requests/style-request.ts';
import { describeError } from '../../util/describe-error.ts';
import type { Keys } from '../keys.ts';
import type { FencedLeases, Lease } from './lease.ts';

/** Tries per lease lifetime to take the role while standing by. */
const TRIES_PER_TTL = 3;

export interface EditorRoleHooks {
  /** This process became the platform's editor. */
  gained(): Promise<void>;
  /** It is not any more (lease lost, or closing): stop editing. */
  lost(): Promise<void>;
}

export class EditorRole {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private switching: Promise<void> = Promise.resolve();

  constructor(
    private readonly platform: Platform,
    /** Only `acquire` is used (a test's scheduling check passes a recorder of tries). */
    private readonly leases: Pick<FencedLeases, 'acquire'>,
    private readonly keys: Keys,
    private readonly lockMs: number,
    private readonly hooks: EditorRoleHooks,
    private readonly log: Logger,
  ) {}

  get held(): boolean {
    return this.lease !== undefined;
  }

  /** Try once now, then keep trying while standing by. */
  async start(): Promise<void> {
    if (this.timer || this.closed) return;
    await this.tryTake();
    this.timer = setInterval(() => void this.tryTake(), Math.max(1, Math.floor(this.lockMs / TRIES_PER_TTL)));
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.switching;
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      await this.hooks.lost().catch(() => undefined);
      await lease.release();
    }
  }

  private tryTake(): Promise<void> {
    if (this.lease || this.closed) return this.switching;
    this.switching = this.switching.then(async () => {
      if (this.lease || this.closed) return;
      try {
        const lease = await this.leases.acquire(this.keys.editor(this.platform), this.lockMs, () => void this.dropped());
        if (!lease) return;
        this.lease = lease;
        this.log.info({ platform: this.platform }, 'delivery: this process edits the status messages and posts the results now');
        await this.hooks.gained();
      } catch (err) {
        this.log.warn({ platform: this.platform, err: describeError(err) }, 'delivery: could not take the editor role; will retry');
      }
    });
    return this.switching;
  }

  private dropped(): void {
    this.switching = this.switching.then(async () => {
      if (!this.lease) return;
      this.lease = undefined;
      this.log.warn({ platform: this.platform }, 'delivery: the editor role lapsed (another process has it now); standing by');
      await this.hooks.lost().catch(() => undefined);
    });
  }
}
