/**
 * What a chat platform implements so the delivery core can present jobs on it. `T` is the
 * platform's parsed reply-to (where the status message is and who asked).
 *
 * Finals must be idempotent per job id: the jobs layer may call them again after a crash between
 * "posted" and "recorded", and a second call must not show the user a second result.
 */
import type { JobEvent } from '../../../jobs/types.ts';
import type { StatusView } from './status-view.ts';

export type CompletedEvent = Extract<JobEvent, { type: 'completed' }>;

export interface ChatPort<T> {
  /** The platform's routing data from the request, or undefined when it is not this platform's. */
  parseTarget(replyTo: unknown): T | undefined;
  /** Whether the status message can still be edited (Discord: the interaction token's 15 minutes). */
  canEditStatus(target: T): boolean;
  /** Show a status (progress, or a final phase such as cancelled) on the job's status message. */
  editStatus(target: T, view: StatusView, jobId: string): Promise<void>;
  /** Post the result with its caption and follow-up buttons, then mark the status done. Idempotent. */
  postResult(target: T, event: CompletedEvent, caption: string): Promise<void>;
  /** Tell the user the job failed (or was lost). Idempotent. */
  postFailure(target: T, view: StatusView, jobId: string): Promise<void>;
  /** When a platform call was refused with Retry-After: how long to wait (ms); otherwise undefined. */
  retryAfterMs(err: unknown): number | undefined;
}
