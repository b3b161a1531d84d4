/**
 * S3BlobStore (EASEL_BLOB_STORE=s3): image bytes in an S3-compatible bucket (AWS S3, Cloudflare R2,
 * MinIO, …) as `<prefix>/blob/<sha256>`, and only a small index in Redis (blob-index.ts).
 *
 *   put / putPending   index.begin (schedule the deletion, take the pending budget; skip the upload
 *                      when the same bytes are stored) → PUT the object → index.publish. The key is
 *                      handed out only after the object is fully written: nothing half-written is
 *                      ever referenced. A failed PUT gives the budget back and throws.
 *   get                readable in the index (written, deadline not passed) → GET. An expired blob
 *                      reads as null at its deadline, whether or not the sweeper got to it yet.
 *   commit             a job refers to the blobs: full TTL, out of the pending budget.
 *   discardPending     a refused request gives its upload back: out of the budget, due now (the
 *                      last of its holders; never a job's).
 *   sweep              every EASEL_BLOB_SWEEP_S: claim expired entries (a lease), delete their
 *                      objects in batches, drop the entries. Runs in every process that has a store;
 *                      claims are atomic, so several sweepers share the work.
 *
 * Expiry is Easel's own, so it works on stores without lifecycle rules; a bucket lifecycle rule is
 * only the backstop for what a lost Redis would leave behind (README "Storage at scale"). An object
 * is rewritten rather than kept when it is older than one TTL, so no blob lives past 2 × TTL +
 * the pending TTL after its last write: a lifecycle rule longer than that never deletes a live blob.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { BlobStoreUnavailable, blobKeyOf, type BlobStorage } from '../blobs.ts';
import { keys as keysFor } from '../keys.ts';
import { BlobIndex } from './blob-index.ts';
import { s3Bucket, type ObjectBucket } from './bucket.ts';

const HASH = /^[0-9a-f]{64}$/;
/** Objects deleted per sweep round (S3's DeleteObjects takes up to 1000). */
const SWEEP_BATCH = 500;

export interface S3BlobStoreOptions {
  /** Object keys are `<objectPrefix>/blob/<sha256>`. */
  objectPrefix: string;
  ttlS: number;
  pendingTtlS: number;
  pendingBudgetBytes: number;
  /** How long a sweeper holds its claim on the blobs it deletes (uploads of the same bytes wait for it). */
  leaseMs: number;
  log?: Logger;
  /** The clock deadlines are measured on (tests move it instead of sleeping). */
  now?: () => number;
}

export class S3BlobStore implements BlobStorage {
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly index: BlobIndex,
    private readonly bucket: ObjectBucket,
    private readonly opts: S3BlobStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  objectKey(hash: string): string {
    return `${this.opts.objectPrefix}/blob/${hash}`;
  }

  async putPending(bytes: Buffer): Promise<string | undefined> {
    return this.store(bytes, this.opts.pendingTtlS * 1000, { budgetBytes: this.opts.pendingBudgetBytes });
  }

  async put(bytes: Buffer): Promise<string> {
    return (await this.store(bytes, this.opts.ttlS * 1000, undefined))!;
  }

  private async store(bytes: Buffer, keepMs: number, pending: { budgetBytes: number } | undefined): Promise<string | undefined> {
    const hash = blobKeyOf(bytes);
    const giveUpAt = Date.now() + this.opts.leaseMs;
    for (;;) {
      const verdict = await this.index.begin(hash, bytes.length, this.now(), keepMs, pending, this.opts.ttlS * 1000);
      if (verdict === 'full') return undefined;
      if (verdict === 'stored') return hash;
      if (verdict === 'upload') {
        try {
          await this.bucket.put(this.objectKey(hash), bytes);
        } catch (err) {
          if (pending) await this.index.abandon(hash).catch(() => undefined);
          throw err;
        }
        if (await this.index.publish(hash, bytes.length, this.now())) return hash;
        // A sweeper claimed these bytes while they were uploading: its delete may land after our
        // write, so wait for it to finish and write again.
      }
      if (Date.now() > giveUpAt) throw new BlobStoreUnavailable(`object store: ${hash} is being deleted and the delete has not finished`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async get(key: string): Promise<Buffer | null> {
    // Keys also come back from chat (a recipe key in a button): never let one shape an object path.
    if (!HASH.test(key) || !(await this.index.alive(key, this.now()))) return null;
    const bytes = await this.bucket.get(this.objectKey(key));
    if (!bytes) this.opts.log?.warn({ blob: key }, 'blob is in the index but not in the bucket (deleted behind Easel\'s back? a bucket lifecycle rule shorter than 2 × EASEL_BLOB_TTL_S?)');
    return bytes;
  }

  async has(key: string): Promise<boolean> {
    return HASH.test(key) && this.index.alive(key, this.now());
  }

  /** A pending upload whose request will not become a job: out of the budget, and due now once its last holder gave it back. */
  async discardPending(key: string): Promise<void> {
    if (HASH.test(key)) await this.index.discard(key, this.now(), this.opts.pendingTtlS * 1000);
  }

  async commit(keys: readonly string[]): Promise<void> {
    await this.index.commit(keys.filter((k) => HASH.test(k)), this.now(), this.opts.ttlS * 1000);
  }

  /** When a blob's object is due for deletion (ms on the store's clock), or null. */
  deadline(key: string): Promise<number | null> {
    return this.index.deadline(key);
  }

  /**
   * Delete every expired blob's object; resolves the number deleted. A failed delete leaves its
   * blobs claimed: the next sweep after the lease tries them again. One sweep at a time per store.
   */
  sweep(): Promise<number> {
    this.sweeping ??= (async () => {
      let deleted = 0;
      try {
        for (;;) {
          const now = this.now();
          const leaseEnd = now + this.opts.leaseMs;
          const hashes = await this.index.claimExpired(now, leaseEnd, SWEEP_BATCH);
          if (!hashes.length) break;
          const failed = new Set(await this.bucket.deleteMany(hashes.map((h) => this.objectKey(h))));
          const done = hashes.filter((h) => !failed.has(this.objectKey(h)));
          await this.index.finishDeletion(done, leaseEnd);
          deleted += done.length;
          if (failed.size) this.opts.log?.warn({ failed: failed.size }, 'object store: some expired blobs could not be deleted; retried after the lease');
          if (hashes.length < SWEEP_BATCH) break;
        }
      } finally {
        this.sweeping = undefined;
      }
      return deleted;
    })();
    return this.sweeping;
  }

  startSweeper(everyMs: number): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      this.sweep().then(
        (n) => n && this.opts.log?.debug({ deleted: n }, 'expired blobs deleted from the object store'),
        (err: unknown) => this.opts.log?.warn({ err: (err as Error).message }, 'blob sweep failed; retrying at the next one'),
      );
    }, everyMs);
    this.sweepTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping?.catch(() => undefined);
    this.bucket.close();
  }
}

/** The configured S3 store over a command client; checks the bucket in the background (a store that is down at start may come back). */
export function createS3BlobStore(config: Config, redis: Redis, opts: { log?: Logger; sweep?: boolean; now?: () => number; bucket?: ObjectBucket }): S3BlobStore {
  const s3 = config.blobs.s3;
  if (!s3) throw new Error('EASEL_BLOB_STORE=s3 needs the EASEL_S3_* settings');
  const bucket = opts.bucket ?? s3Bucket(s3);
  const store = new S3BlobStore(new BlobIndex(redis, keysFor(config.redis.prefix).blobIndex()), bucket, {
    objectPrefix: config.redis.prefix,
    ttlS: config.blobs.ttlS,
    pendingTtlS: config.blobs.pendingTtlS,
    pendingBudgetBytes: config.blobs.pendingBudgetBytes,
    leaseMs: Math.max(5_000, 2 * s3.timeoutMs),
    log: opts.log,
    now: opts.now,
  });
  bucket.check().then(
    () => opts.log?.info({ bucket: s3.bucket, endpoint: s3.endpoint ?? 'AWS' }, 'blob store: S3 bucket reachable'),
    (err: unknown) => opts.log?.error({ bucket: s3.bucket, endpoint: s3.endpoint ?? 'AWS', err: (err as Error).message }, 'blob store: the S3 bucket cannot be used yet (requests get "try again later" until it can)'),
  );
  if (opts.sweep !== false) store.startSweeper(config.blobs.sweepS * 1000);
  return store;
}
