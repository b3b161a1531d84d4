/**
 * Easel's own record of a result upload, per job, in Redis — so the exactly-once check before an
 * upload needs no `conversations.replies` on the normal path (apps outside the Marketplace may call
 * it once a minute per workspace).
 *
 *   <prefix>:slack:upload:<jobId> = started | posted   (TTL UPLOAD_RECORD_TTL_S)
 *
 * `begin` marks an attempt as started and says what earlier attempts left: nothing (upload now),
 * `posted` (skip the upload), or `started` without `posted` — an attempt that crashed or failed
 * somewhere around the upload, the one case where Slack itself is asked (read the thread once).
 */
import type { Redis } from 'ioredis';

/** Longer than any delivery retry (the jobs layer gives up after a few attempts within minutes). */
export const UPLOAD_RECORD_TTL_S = 7 * 24 * 3600;

export type EarlierUpload = 'none' | 'unsure' | 'posted';

const BEGIN = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'started', 'EX', ARGV[1])
  return 'none'
end
if v == 'posted' then return 'posted' end
return 'unsure'
`;

export class UploadRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(jobId: string): string {
    return `${this.prefix}:slack:upload:${jobId}`;
  }

  /** Mark an upload attempt for `jobId` as started; what earlier attempts left. */
  async begin(jobId: string): Promise<EarlierUpload> {
    return (await this.redis.eval(BEGIN, 1, this.key(jobId), String(UPLOAD_RECORD_TTL_S))) as EarlierUpload;
  }

  /** The result of `jobId` is in its thread. */
  async posted(jobId: string): Promise<void> {
    await this.redis.set(this.key(jobId), 'posted', 'EX', UPLOAD_RECORD_TTL_S);
  }
}
