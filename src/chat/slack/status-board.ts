/**
 * The status message of each job, kept up to date with chat.update without upsetting Slack:
 *
 * - throttled: at most one update per message every `minIntervalMs`;
 * - coalesced: while an update waits or is in flight, newer states replace the waiting one, so the
 *   user always ends on the latest state and Slack never sees a backlog;
 * - rate limits honoured: on HTTP 429 the next update for that message waits Retry-After, and the
 *   state that was refused is tried again unless a newer one replaced it (nothing throws);
 * - final states (done, failed, cancelled) win over progress, are retried through rate limits,
 *   and nothing shown later (a late progress event) can overwrite them.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../../log.ts';

type KnownBlock = webApi.KnownBlock;
type MessageMetadata = webApi.MessageMetadata;

export interface StatusView {
  text: string;
  blocks?: KnownBlock[];
  metadata?: MessageMetadata;
}

export interface StatusTarget {
  channel: string;
  ts: string;
}

export type UpdateFn = (target: StatusTarget, view: StatusView) => Promise<void>;

interface Pending {
  view: StatusView;
  final: boolean;
  attempts: number;
  resolvers: Array<(written: boolean) => void>;
}

interface Entry {
  target: StatusTarget;
  pending?: Pending;
  inFlight: boolean;
  /** Earliest time (ms) the next chat.update for this message may go out. */
  notBefore: number;
  timer?: NodeJS.Timeout;
  touched: number;
}

export interface StatusBoardOptions {
  minIntervalMs: number;
  /** How many times a final state is tried through rate limits and errors before giving up. */
  maxFinalAttempts?: number;
  log: Logger;
}

const FINISHED_MEMORY_MS = 30 * 60_000;
const IDLE_ENTRY_MS = 6 * 3600_000;

/** chat.update of a status message through `client`. */
export function chatUpdateFn(client: webApi.WebClient): UpdateFn {
  return async (target, view) => {
    await client.chat.update({ channel: target.channel, ts: target.ts, text: view.text, blocks: view.blocks ?? [], ...(view.metadata ? { metadata: view.metadata } : {}) });
  };
}

export function isRateLimited(err: unknown): err is { retryAfter: number } {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === webApi.ErrorCode.RateLimitedError;
}

export class StatusBoard {
  private readonly entries = new Map<string, Entry>();
  private readonly finished = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly update: UpdateFn,
    private readonly opts: StatusBoardOptions,
  ) {}

  /** Best-effort: show this state soon (throttled and coalesced). Never throws. */
  show(target: StatusTarget, view: StatusView): void {
    const key = keyOf(target);
    if (this.closed || this.finished.has(key)) return;
    const entry = this.entry(target);
    if (entry.pending?.final) return;
    entry.pending = { view, final: false, attempts: 0, resolvers: [] };
    this.schedule(entry);
  }

  /** Show a final state; resolves true once Slack has it, false if it could not be written. */
  finish(target: StatusTarget, view: StatusView): Promise<boolean> {
    const key = keyOf(target);
    if (this.finished.has(key)) return Promise.resolve(false);
    const entry = this.entry(target);
    return new Promise<boolean>((resolve) => {
      const resolvers = entry.pending?.final ? entry.pending.resolvers : [];
      entry.pending = { view, final: true, attempts: 0, resolvers: [...resolvers, resolve] };
      this.schedule(entry);
    });
  }

  /** Forget any waiting progress, wait for final states still being written. */
  async close(): Promise<void> {
    this.closed = true;
    const finals: Promise<boolean>[] = [];
    for (const entry of this.entries.values()) {
      if (entry.pending && !entry.pending.final) entry.pending = undefined;
      if (entry.pending?.final) finals.push(new Promise((resolve) => entry.pending?.resolvers.push(resolve)));
    }
    await Promise.all(finals);
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
  }

  private entry(target: StatusTarget): Entry {
    const key = keyOf(target);
    const now = Date.now();
    let entry = this.entries.get(key);
    if (!entry) {
      this.sweep(now);
      entry = { target, inFlight: false, notBefore: 0, touched: now };
      this.entries.set(key, entry);
    }
    entry.touched = now;
    return entry;
  }

  private schedule(entry: Entry): void {
    if (entry.inFlight || entry.timer || !entry.pending) return;
    const delay = Math.max(0, entry.notBefore - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.flush(entry);
    }, delay);
  }

  private async flush(entry: Entry): Promise<void> {
    const job = entry.pending;
    if (!job) return;
    entry.pending = undefined;
    entry.inFlight = true;
    job.attempts += 1;
    try {
      await this.update(entry.target, job.view);
      entry.notBefore = Date.now() + this.opts.minIntervalMs;
      if (job.final) this.settle(entry, job, true);
    } catch (err) {
      this.failed(entry, job, err);
    } finally {
      entry.inFlight = false;
      this.schedule(entry);
    }
  }

  private failed(entry: Entry, job: Pending, err: unknown): void {
    const maxFinalAttempts = this.opts.maxFinalAttempts ?? 5;
    if (isRateLimited(err)) {
      entry.notBefore = Date.now() + Math.max(1, err.retryAfter) * 1000;
      this.opts.log.warn({ channel: entry.target.channel, ts: entry.target.ts, retryAfterS: err.retryAfter }, 'slack: chat.update rate limited; waiting Retry-After');
    } else {
      entry.notBefore = Date.now() + this.opts.minIntervalMs;
      this.opts.log.warn({ channel: entry.target.channel, ts: entry.target.ts, err: describe(err) }, 'slack: chat.update failed');
    }
    const retryable = isRateLimited(err) || !isPlatformError(err);
    // Put the refused state back unless a newer one arrived meanwhile (a final always beats progress).
    if (job.final) {
      if (retryable && job.attempts < maxFinalAttempts) {
        const newer = entry.pending;
        entry.pending = newer?.final ? { ...newer, resolvers: [...job.resolvers, ...newer.resolvers] } : job;
      } else {
        this.settle(entry, job, false);
      }
    } else if (!entry.pending && isRateLimited(err)) {
      entry.pending = job;
    }
  }

  private settle(entry: Entry, job: Pending, written: boolean): void {
    const key = keyOf(entry.target);
    this.finished.set(key, Date.now());
    this.entries.delete(key);
    clearTimeout(entry.timer);
    entry.pending = undefined;
    for (const resolve of job.resolvers) resolve(written);
  }

  private sweep(now: number): void {
    for (const [key, at] of this.finished) if (now - at > FINISHED_MEMORY_MS) this.finished.delete(key);
    for (const [key, entry] of this.entries) {
      if (!entry.inFlight && !entry.pending && now - entry.touched > IDLE_ENTRY_MS) this.entries.delete(key);
    }
  }
}

function keyOf(t: StatusTarget): string {
  return `${t.channel}:${t.ts}`;
}

/** Slack answered ok:false (message_not_found, channel_not_found…): trying again will not help. */
function isPlatformError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === webApi.ErrorCode.PlatformError;
}

function describe(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'data' in err) {
    const data = (err as { data?: { error?: string } }).data;
    if (data?.error) return data.error;
  }
  return err instanceof Error ? err.message : String(err);
}
