/**
 * Slack delivers an event again when it was not acknowledged within 3 s (x-slack-retry-num over
 * HTTP, retry_attempt in Socket Mode), with the same event_id. This middleware lets each event_id
 * through once per process; across processes, the event_id is also the request's idempotency key,
 * so jobs.submit answers 'duplicate' and the second status message is removed again.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../../log.ts';

export class SeenIds {
  private readonly seen = new Map<string, number>();

  constructor(private readonly ttlMs: number) {}

  /** True the first time an id is offered within ttlMs. */
  firstTime(id: string, now = Date.now()): boolean {
    for (const [key, at] of this.seen) {
      if (now - at <= this.ttlMs) break; // insertion order = time order
      this.seen.delete(key);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }
}

export function dedupeEvents(log: Logger, ttlMs = 60 * 60_000): Middleware<AnyMiddlewareArgs> {
  const seen = new SeenIds(ttlMs);
  return async ({ body, context, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !seen.firstTime(eventId)) {
      log.info({ eventId, retryNum: context.retryNum, retryReason: context.retryReason }, 'slack: duplicate event delivery ignored');
      return;
    }
    await next();
  };
}
