/**
 * The jobs API that adapters and the CLI use. Implemented in this folder over BullMQ + Redis.
 * Adapters call `submit`, render the `JobEvent`s they receive in their platform's idiom, and never
 * touch BullMQ or Redis themselves.
 */
import type { StyleRequest } from '../requests/style-request.ts';
import type { Platform } from '../requests/style-request.ts';

/** Why a request was refused before it became a job. `userMessage` is friendly and shown as-is. */
export type RefusalCode = 'user-limit' | 'cooldown' | 'queue-full' | 'invalid-request' | 'unknown-preset' | 'unavailable';

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
 * An adapter's delivery handler. `completed`, `failed` and `cancelled` are delivered exactly once
 * per job (across bot restarts: marked delivered in Redis only after the handler resolves);
 * 'progress' is best-effort.
 */
export type JobEventHandler = (event: JobEvent) => Promise<void>;

export interface BlobStore {
  /** Store bytes under their content hash (sha256) with the configured TTL; returns the key. */
  put(bytes: Buffer): Promise<string>;
  get(key: string): Promise<Buffer | null>;
}

export interface JobsClient {
  readonly blobs: BlobStore;
  submit(request: StyleRequest): Promise<Submitted>;
  /** Cancel a waiting or running job; only its owner (user id) may. Resolves false if it was already done. */
  cancel(jobId: string, userId: string): Promise<boolean>;
  /** Current 1-based waiting position and ETA, or null when not waiting. */
  position(jobId: string): Promise<{ position: number; etaMs?: number; workersOnline?: number } | null>;
  /** Follow jobs of one platform; picks up undelivered finished jobs on start (bot restarts). */
  subscribe(platform: Platform, handler: JobEventHandler): Promise<void>;
  close(): Promise<void>;
}
