/**
 * The one edit throttle of the chat delivery core: coalescing, per message, for both platforms.
 *
 * Chat platforms rate-limit message edits (Discord: a handful per few seconds per message; a 429
 * makes the client wait). Progress arrives far faster than that, and only the latest state is worth
 * showing, so per key (one message) this keeps at most one edit in flight, starts each edit at least
 * `minIntervalMs` after the previous one started and finished (a 429 retry ends late), and replaces
 * any not-yet-sent state with the newest one. While an edit is
 * stuck behind a 429 retry, newer states collapse into one. `finish` runs the final edit (the
 * result, an error) strictly after every earlier edit for that key and drops pending progress, so a
 * late progress edit can never overwrite the result.
 *
 * Rate limits: when an edit is refused with a Retry-After (`retryAfterMs(err)` says how long), the
 * next edit of that message waits that long, and the refused state is sent again then unless a
 * newer one replaced it. A final edit refused that way is retried after the wait, a few times,
 * before its error is thrown to the caller (which retries the whole delivery later).
 */

export interface EditThrottleOptions<T> {
  minIntervalMs: number;
  /** Performs one edit. Its errors go to `onError`; the throttle carries on. */
  send: (key: string, state: T) => Promise<void>;
  /** States equal to the last one sent are skipped (default: JSON equality). */
  same?: (a: T, b: T) => boolean;
  onError?: (key: string, err: unknown) => void;
  now?: () => number;
  /** How long a finished key keeps ignoring late updates (progress may arrive after the result). */
  tombstoneMs?: number;
  /** How long the platform asked to wait, when `err` is a rate-limit refusal (else undefined). */
  retryAfterMs?: (err: unknown) => number | undefined;
  /** Tries of a final edit through rate limits before its error is thrown (default 5). */
  maxFinalAttempts?: number;
}

export interface EditThrottle<T> {
  /** Offer the newest state for `key`; returns at once. Ignored after `finish(key)` began. */
  update(key: string, state: T): void;
  /** Drop pending states, wait for the in-flight edit and the interval, then run `final` once. */
  finish(key: string, final: () => Promise<void>): Promise<void>;
  /** Keys with work pending or in flight (for tests and shutdown). */
  activeKeys(): string[];
  /** Drop pending states and wait for in-flight edits. */
  close(): Promise<void>;
}

interface Slot<T> {
  /** When the last edit started, then when it finished: the next one waits minIntervalMs from this. */
  lastAt: number;
  lastSent?: T;
  pending?: { state: T };
  inFlight?: Promise<void>;
  timer?: ReturnType<typeof setTimeout>;
  finishing: boolean;
}

export function createEditThrottle<T>(opts: EditThrottleOptions<T>): EditThrottle<T> {
  const now = opts.now ?? Date.now;
  const same = opts.same ?? ((a: T, b: T) => JSON.stringify(a) === JSON.stringify(b));
  const slots = new Map<string, Slot<T>>();

  const slotFor = (key: string): Slot<T> => {
    let slot = slots.get(key);
    if (!slot) {
      slot = { lastAt: -Infinity, finishing: false };
      slots.set(key, slot);
    }
    return slot;
  };

  const schedule = (key: string, slot: Slot<T>) => {
    if (slot.inFlight || slot.timer || !slot.pending || slot.finishing) return;
    const wait = slot.lastAt + opts.minIntervalMs - now();
    if (wait > 0) {
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        schedule(key, slot);
      }, wait);
      return;
    }
    const { state } = slot.pending;
    slot.pending = undefined;
    if (slot.lastSent !== undefined && same(slot.lastSent, state)) return;
    slot.lastAt = now();
    slot.lastSent = state;
    slot.inFlight = opts
      .send(key, state)
      .then(() => {
        slot.lastAt = now();
      })
      .catch((err) => {
        slot.lastAt = now();
        const wait = opts.retryAfterMs?.(err);
        if (wait !== undefined) {
          // Wait out Retry-After (lastAt + interval = now + wait), then send this state again unless a newer one came.
          slot.lastAt = now() + wait - opts.minIntervalMs;
          if (!slot.pending && !slot.finishing) slot.pending = { state };
          slot.lastSent = undefined;
        }
        opts.onError?.(key, err);
      })
      .finally(() => {
        slot.inFlight = undefined;
        schedule(key, slot);
      });
  };

  return {
    update(key, state) {
      const slot = slotFor(key);
      if (slot.finishing) return;
      slot.pending = { state };
      schedule(key, slot);
    },

    async finish(key, final) {
      const slot = slotFor(key);
      slot.finishing = true;
      slot.pending = undefined;
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      try {
        while (slot.inFlight) await slot.inFlight;
        for (let attempt = 1; ; attempt++) {
          const wait = slot.lastAt + opts.minIntervalMs - now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          try {
            await final();
            slot.lastAt = now();
            break;
          } catch (err) {
            const retryAfter = opts.retryAfterMs?.(err);
            if (retryAfter === undefined || attempt >= (opts.maxFinalAttempts ?? 5)) throw err;
            slot.lastAt = now() + retryAfter - opts.minIntervalMs;
          }
        }
      } finally {
        // Keep the finished slot a while so an out-of-order progress event cannot resurrect it.
        setTimeout(() => {
          if (slots.get(key) === slot) slots.delete(key);
        }, opts.tombstoneMs ?? 10 * 60_000).unref();
      }
    },

    activeKeys: () => [...slots].filter(([, s]) => s.inFlight || s.pending || s.timer).map(([k]) => k),

    async close() {
      const inFlight: Promise<void>[] = [];
      for (const slot of slots.values()) {
        slot.pending = undefined;
        if (slot.timer) clearTimeout(slot.timer);
        slot.timer = undefined;
        if (slot.inFlight) inFlight.push(slot.inFlight);
      }
      await Promise.all(inFlight);
    },
  };
}
