/**
 * Shared pieces of the jobs tests: requests, an event recorder for adapters' handlers, polling.
 */
import { StyleRequest, type StyleRequestInput } from '../../src/requests/style-request.ts';
import type { JobEvent, JobEventHandler } from '../../src/jobs/types.ts';

let seq = 0;

/** A request for a photo blob already stored; `requestId` unique unless given. */
export function makeRequest(contentKey: string, overrides: Partial<StyleRequestInput> = {}): StyleRequest {
  seq += 1;
  return StyleRequest.parse({
    requestId: `req-${process.pid}-${Date.now()}-${seq}`,
    platform: 'discord',
    user: { id: 'user-1', name: 'Ada' },
    replyTo: { channelId: 'c-1', interactionToken: 'secret' },
    content: { key: contentKey, width: 64, height: 48 },
    style: { kind: 'preset', presetId: 'the-scream' },
    options: { quality: 'fast', size: 64 },
    ...overrides,
  });
}

/** Records every event a platform's handler receives; `waitFor` polls until a predicate holds. */
export class EventLog {
  readonly events: JobEvent[] = [];
  /** Throw from the handler for these job ids (simulates an adapter failing to post). */
  readonly failFor = new Set<string>();

  readonly handler: JobEventHandler = async (event) => {
    if (this.failFor.has(event.jobId) && ['completed', 'failed', 'cancelled'].includes(event.type)) throw new Error('adapter down');
    this.events.push(event);
  };

  of(jobId: string): JobEvent[] {
    return this.events.filter((e) => e.jobId === jobId);
  }

  finals(jobId?: string): JobEvent[] {
    return this.events.filter((e) => (jobId === undefined || e.jobId === jobId) && (e.type === 'completed' || e.type === 'failed' || e.type === 'cancelled'));
  }

  final(jobId: string): JobEvent | undefined {
    return this.finals(jobId)[0];
  }

  async waitForFinal(jobId: string, timeoutMs = 60_000): Promise<JobEvent> {
    await waitFor(() => this.final(jobId) !== undefined, timeoutMs, `final event of ${jobId}`);
    return this.final(jobId)!;
  }
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * `n` whole sweeps of a bot's delivery, each begun after this call (the sweep already in flight, if
 * any, is waited out first: it may have read its work before what the test is about). A test that
 * says "n sweeps later nothing more happened" waits for exactly that instead of sleeping.
 */
export async function sweeps(bot: { sweep(): Promise<void> }, n: number): Promise<void> {
  await bot.sweep();
  for (let i = 0; i < n; i++) await bot.sweep();
}
