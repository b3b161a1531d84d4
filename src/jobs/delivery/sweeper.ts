/**
 * The sweeper: every `sweepMs`, each subscribed platform's pending jobs are checked for a final
 * state (a trigger besides the queue's events, which a bot that was down never saw), and the
 * lost-job watch looks at the jobs that left `pending`. Items run `concurrency` at a time, each
 * within the deadline, so one hung platform call holds up nothing else; one sweep at a time.
 */
import type { Logger } from '../../log.ts';
import { describeError } from '../../util/describe-error.ts';
import { runPool, withDeadline } from './deadline.ts';

export interface SweeperOptions {
  sweepMs: number;
  concurrency: number;
  deadlineMs: number;
}

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly opts: SweeperOptions,
    /** This sweep's work items (read fresh each sweep). */
    private readonly work: () => Promise<Array<() => Promise<unknown>>>,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.sweep(), this.opts.sweepMs);
    this.timer.unref();
  }

  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const items = await this.work();
        await runPool(items, this.opts.concurrency, (item) =>
          this.closed ? Promise.resolve() : withDeadline(item(), this.opts.deadlineMs).catch((err: unknown) => this.log.warn({ err: describeError(err) }, 'delivery sweep item failed; will retry')),
        );
      } catch (err) {
        this.log.warn({ err: describeError(err) }, 'delivery sweep failed; will retry');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** Stop sweeping; wait up to `graceMs` for the sweep in flight (a hung attempt is left to lapse: its claim expires). */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sweeping, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
}
