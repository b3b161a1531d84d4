/**
 * Every Redis key and BullMQ name Easel uses, in one place, under `config.redis.prefix` so that
 * deployments (and test runs) sharing one Redis never see each other's data.
 *
 *   <prefix>:render:*            BullMQ's own keys for the render queue
 *   <prefix>:blob:<sha256>       image bytes (uploads, previews, results), with a TTL
 *   <prefix>:req:<jobId>         a request id already submitted (dedupe of double submissions)
 *   <prefix>:user:<p>:<s>:<u>:jobs  zset of a user's in-flight job ids (per-user limit); <s> = server
 *   <prefix>:user:<p>:<s>:<u>:cool  cooldown marker
 *   <prefix>:server:<p>:<s>:jobs    zset of a server's (guild's, workspace's) waiting job ids
 *   <prefix>:admitting             zset of admitted requests not yet in the queue (global cap)
 *   <prefix>:pending-blobs         zset blob key → expiry, of uploads no job refers to yet (budget)
 *   <prefix>:pending-blobs:holders  hash blob key → requests holding that pending upload
 *   <prefix>:blobs:deadline      (S3 store) zset blob key → when its object is deleted (Easel's own expiry)
 *   <prefix>:blobs:stored        (S3 store) hash blob key → "<bytes>:<written at>", set once the object is written
 *   <prefix>:blobs:pending-bytes (S3 store) hash blob key → bytes, of the pending uploads (budget)
 *   <prefix>:blobs:pending-holders (S3 store) hash blob key → requests holding that pending upload
 *   <prefix>:blobs:deleting      (S3 store) hash blob key → lease end, while a sweeper deletes its object
 *   <prefix>:cache:<hash>        finished result for (photo, style, effective options)
 *   <prefix>:pending:<platform>  hash jobId → request, for every job not yet delivered
 *   <prefix>:outcome:<jobId>     outcome of a job that never ran (cached, cancelled while waiting)
 *   <prefix>:delivering:<jobId>  fenced claim (one token per attempt) while one bot process delivers a job
 *   <prefix>:delivered:<jobId>   marker that a job's final event was delivered (tells "delivered" from "lost")
 *   <prefix>:delivery-failures:<jobId>  failed delivery attempts so far
 *   <prefix>:status:<jobId>      the latest status of a job (queued at N, painting, progress) for its one editor
 *   <prefix>:editing:<jobId>     fenced lease while one bot process edits the job's status message
 *   <prefix>:edit-spacing:<jobId>  set for the edit interval (or Retry-After) after each status edit
 *   <prefix>:editor:<platform>   fenced lease of the one bot process that edits statuses and posts results
 *   <prefix>:status-<platform>:* BullMQ's keys for a platform's status-edit queue (one job per job id at a time)
 *   <prefix>:cancel:<jobId>      a cancellation request (the worker checks it before starting)
 *   <prefix>:result:<p>:<place>  which job's result sits at a chat place (message) and whose it is (Delete)
 *   <prefix>:stats:render:<q>    recent render times per quality (ETA)
 *   <prefix>:workers             hash workerId → heartbeat (slots for ETA, /healthz)
 */
import type { Platform } from '../requests/style-request.ts';

export const QUEUE_NAME = 'render';

/** A platform's queue of status edits (deduplicated per job; consumed by any bot process). */
export function statusQueueName(platform: Platform): string {
  return `status-${platform}`;
}

/** Custom events Easel publishes into the queue's event stream (next to BullMQ's own). */
export const EVENTS = {
  /** A job finished without a worker (cached result, cancelled while waiting): deliver it now. */
  outcome: 'easel:outcome',
  /** Stop a running render at its next step. */
  cancel: 'easel:cancel',
} as const;

/** Who asks: limits and ownership are per platform + server (guild, workspace) + user. */
export interface Requester {
  platform: Platform;
  /** Discord guild id or Slack team id; absent for direct messages and the CLI. */
  server?: string;
  userId: string;
}

export interface Keys {
  readonly prefix: string;
  blob(hash: string): string;
  request(jobId: string): string;
  userJobs(who: Requester): string;
  userCooldown(who: Requester): string;
  serverJobs(platform: Platform, server: string): string;
  admitting(): string;
  pendingBlobs(): string;
  /** The object store's index in Redis (S3 blob store): small keys only, never bytes. */
  blobIndex(): BlobIndexKeys;
  cache(hash: string): string;
  pending(platform: Platform): string;
  outcome(jobId: string): string;
  delivering(jobId: string): string;
  deliveryFailures(jobId: string): string;
  delivered(jobId: string): string;
  status(jobId: string): string;
  editing(jobId: string): string;
  editSpacing(jobId: string): string;
  editor(platform: Platform): string;
  cancel(jobId: string): string;
  result(platform: Platform, place: string): string;
  renderStats(quality: string): string;
  workers(): string;
}

export interface BlobIndexKeys {
  deadline: string;
  stored: string;
  pending: string;
  pendingBytes: string;
  /** Requests holding each pending upload (discardPending deletes only when the last gives it back). */
  pendingHolders: string;
  deleting: string;
}

// User ids come from chat platforms; encode them so no id can forge another key's shape.
const safe = (s: string) => encodeURIComponent(s);

export function keys(prefix: string): Keys {
  return {
    prefix,
    blob: (hash) => `${prefix}:blob:${hash}`,
    request: (jobId) => `${prefix}:req:${jobId}`,
    userJobs: (who) => `${prefix}:user:${who.platform}:${safe(who.server ?? '-')}:${safe(who.userId)}:jobs`,
    userCooldown: (who) => `${prefix}:user:${who.platform}:${safe(who.server ?? '-')}:${safe(who.userId)}:cool`,
    serverJobs: (platform, server) => `${prefix}:server:${platform}:${safe(server)}:jobs`,
    admitting: () => `${prefix}:admitting`,
    pendingBlobs: () => `${prefix}:pending-blobs`,
    blobIndex: () => ({
      deadline: `${prefix}:blobs:deadline`,
      stored: `${prefix}:blobs:stored`,
      pending: `${prefix}:pending-blobs`,
      pendingBytes: `${prefix}:blobs:pending-bytes`,
      pendingHolders: `${prefix}:blobs:pending-holders`,
      deleting: `${prefix}:blobs:deleting`,
    }),
    cache: (hash) => `${prefix}:cache:${hash}`,
    pending: (platform) => `${prefix}:pending:${platform}`,
    outcome: (jobId) => `${prefix}:outcome:${jobId}`,
    delivering: (jobId) => `${prefix}:delivering:${jobId}`,
    deliveryFailures: (jobId) => `${prefix}:delivery-failures:${jobId}`,
    delivered: (jobId) => `${prefix}:delivered:${jobId}`,
    status: (jobId) => `${prefix}:status:${jobId}`,
    editing: (jobId) => `${prefix}:editing:${jobId}`,
    editSpacing: (jobId) => `${prefix}:edit-spacing:${jobId}`,
    editor: (platform) => `${prefix}:editor:${platform}`,
    cancel: (jobId) => `${prefix}:cancel:${jobId}`,
    result: (platform, place) => `${prefix}:result:${platform}:${safe(place)}`,
    renderStats: (quality) => `${prefix}:stats:render:${quality}`,
    workers: () => `${prefix}:workers`,
  };
}
