/**
 * The jobs API that adapters and the CLI use. Implemented in this folder over BullMQ + Redis.
 * Adapters call `submit`, render the `JobEvent`s they receive in their platform's idiom, and never
 * touch BullMQ or Redis themselves.
 */
import type { StyleRequest } from '../requests/style-request.ts';
import type { Platform } from '../requests/style-request.ts';
import type { Resolved } from '../requests/resolve.ts';
import type { Requester } from './keys.ts';

export type { Requester };

/** Why a request was refused before it became a job. `userMessage` is friendly and shown as-is. */
export type RefusalCode = 'user-limit' | 'cooldown' | 'server-limit' | 'queue-full' | 'invalid-request' | 'unknown-preset' | 'unavailable';

export class JobRefused extends Error {
  constructor(
    public readonly code: RefusalCode,
    public readonly userMessage: string,
    /** For cooldown / queue-full: when trying again makes sense. */
    public readonly retryAfterMs?: number,
  ) {
    super(userMessage);
    this.name = 'JobRefused';
  }
}

/** The same request id was admitted before (a retried event, a double click): the first one owns the job. */
export class DuplicateRequest extends Error {
  constructor(public readonly jobId: string) {
    super(`request already submitted as ${jobId}`);
    this.name = 'DuplicateRequest';
  }
}

/** The blob store (the S3 bucket) could not be reached, was too slow, or answered with an error other than "no such key". */
export class BlobStoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobStoreUnavailable';
  }
}

/** A reservation against every limit, taken before the intake downloads anything. */
export interface Admitted {
  jobId: string;
  who: Requester;
}

export function requesterOf(request: Pick<StyleRequest, 'platform' | 'server' | 'user'>): Requester {
  return { platform: request.platform, server: request.server, userId: request.user.id };
}

/** Easel's record of a posted result: which job, and whose (the owner checks read this, never a button). */
export interface ResultRecord {
  jobId: string;
  owner: Requester;
}

/** How long a result's record is kept: Delete by its asker works this long (moderators' always does). */
export const RESULT_RECORD_TTL_S = 30 * 24 * 3600;

export interface Submitted {
  jobId: string;
  /** 'cached': the result exists already and a 'completed' event follows at once. 'duplicate': same requestId as an earlier job. */
  state: 'queued' | 'cached' | 'duplicate';
  /** 1-based position among waiting jobs (0 when running or cached). */
  position: number;
  etaMs?: number;
  /** Render slots of live workers when it was queued; 0 = no worker is running (the job waits for one). */
  workersOnline?: number;
}

export interface JobProgress {
  step: number;
  total: number;
  stage: string;
  percent: number;
  etaMs?: number;
  /** Blob key of a small preview (JPEG) when one was made at this step. */
  previewKey?: string;
}

export interface JobResult {
  /** Blob key of the result image (PNG). */
  resultKey: string;
  width: number;
  height: number;
  engine: string;
  backend: string;
  iterations: number;
  renderMs: number;
  /** Human label of the style (preset title or 'your image'). */
  styleLabel: string;
  cached: boolean;
  /**
   * For an animated photo: the painted animation (GIF, under the upload limit); `resultKey` is then
   * its first frame as a PNG, for a platform that cannot show animations.
   */
  animation?: { key: string; format: 'gif' | 'webp'; frames: number };
}

export type JobEvent =
  | { type: 'queued'; jobId: string; request: StyleRequest; position: number; etaMs?: number; workersOnline?: number }
  | { type: 'active'; jobId: string; request: StyleRequest }
  | { type: 'progress'; jobId: string; request: StyleRequest; progress: JobProgress }
  | { type: 'completed'; jobId: string; request: StyleRequest; result: JobResult }
  | { type: 'failed'; jobId: string; request: StyleRequest; userMessage: string; reason: string }
  | { type: 'cancelled'; jobId: string; request: StyleRequest };

/**
 * An adapter's event handler. `completed`, `failed` and `cancelled` come through a fenced claim
 * and are recorded as delivered only after the handler resolved; throwing means "try again later".
 * A crash between the post and the record calls the handler again, so posting a final event must
 * be idempotent per job id.
 *
 * 'queued', 'active' and 'progress' are status updates: the latest state wins, each job's go to one
 * bot process at a time, at most one per EASEL_EDIT_INTERVAL_MS, never during or after its final
 * event's delivery; the handler resolves once the status is shown (throw RetryAfter when the
 * platform asked to wait; other errors are logged and the next update tries again).
 */
export type JobEventHandler = (event: JobEvent) => Promise<void>;

/** A job's status between submit and its final event, as any bot process may publish it. */
export type StatusUpdate =
  | { type: 'queued'; position: number; etaMs?: number; workersOnline?: number }
  | { type: 'active' }
  | { type: 'progress'; progress: JobProgress };

/** Thrown by a handler when the platform refused a status edit with Retry-After: the update is shown after that wait. */
export class RetryAfter extends Error {
  constructor(
    public readonly afterMs: number,
    options?: { cause?: unknown },
  ) {
    super(`the platform asked to wait ${afterMs} ms`, options);
    this.name = 'RetryAfter';
  }
}

/** What a render needs of the blob store: read its inputs, write its result and previews. */
export interface RenderBlobs {
  /** Store bytes under their content hash (sha256) with the configured TTL; returns the key. */
  put(bytes: Buffer): Promise<string>;
  get(key: string): Promise<Buffer | null>;
}

export interface BlobStore extends RenderBlobs {
  /**
   * Store an upload that no job refers to yet, with a short TTL (EASEL_PENDING_BLOB_TTL_S); undefined
   * when the pending uploads would pass EASEL_PENDING_BLOB_BUDGET_BYTES. `submit` gives it the full TTL.
   */
  putPending(bytes: Buffer): Promise<string | undefined>;
  /**
   * Give back an upload `putPending` stored for a request that will not become a job: it stops
   * counting against the budget and its bytes go, unless another request or a job still holds them.
   */
  discardPending(key: string): Promise<void>;
}

export interface JobsClient {
  readonly blobs: BlobStore;
  /**
   * Check cooldown, the per-user, per-server and global caps and reserve a slot in each, atomically,
   * before anything is downloaded. Throws JobRefused (friendly text) or DuplicateRequest.
   */
  admit(who: Requester, requestId: string): Promise<Admitted>;
  /** Give an admission back when its request will not be submitted (the cooldown stays spent). */
  release(admitted: Admitted): Promise<void>;
  /** Queue a request; with `admitted` it uses that reservation, else it admits the request itself. */
  /**
   * `resolved`: what resolveRequest (requests/resolve.ts) made of the request's options at the
   * intake; absent, the client resolves them against the deployment's caps.
   */
  submit(request: StyleRequest, admitted?: Admitted, resolved?: Resolved): Promise<Submitted>;
  /** Cancel a waiting or running job; only its owner (user id within its server) may. Resolves false if it was already done. */
  cancel(jobId: string, userId: string, server?: string): Promise<boolean>;
  /**
   * Cancel every unfinished job of one server (a Slack workspace that removed the app): waiting ones
   * are removed, running ones stopped. Their 'cancelled' outcome still goes through delivery, which
   * posts nothing where the platform can no longer be reached. Resolves with how many were dropped.
   */
  dropServerJobs(platform: Platform, server: string): Promise<number>;
  /** Who asked for a job (its own record), while the queue still has it; undefined once it is gone. */
  ownerOf(jobId: string): Promise<Requester | undefined>;
  /**
   * Remember that `jobId`'s result was posted at `place` (the adapter's name for the message: a
   * Discord message id, a Slack channel and ts) for RESULT_RECORD_TTL_S. Delete asks `resultAt`
   * whose it is, never the button.
   */
  recordResult(platform: Platform, place: string, record: ResultRecord): Promise<void>;
  resultAt(platform: Platform, place: string): Promise<ResultRecord | undefined>;
  /** Current 1-based waiting position and ETA, or null when not waiting. */
  position(jobId: string): Promise<{ position: number; etaMs?: number; workersOnline?: number } | null>;
  /** Whether the job's final event is being or has been delivered (by any bot process). */
  isSettled(jobId: string): Promise<boolean>;
  /** Show a job's status (e.g. its place in the queue right after submit) through its one editor; returns once queued. */
  showStatus(jobId: string, status: StatusUpdate): Promise<void>;
  /** Follow jobs of one platform; picks up undelivered finished jobs on start (bot restarts). */
  subscribe(platform: Platform, handler: JobEventHandler): Promise<void>;
  close(): Promise<void>;
}
