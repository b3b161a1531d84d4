/**
 * The bucket: the few S3 calls the blob store makes (AWS SDK v3, any S3-compatible server), each
 * bounded in time, with errors sorted into the two that matter — "no such object" (null) and
 * "the store is unavailable" (BlobStoreUnavailable: down, slow, refusing us).
 *
 * Credentials are the SDK's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile,
 * web identity, instance or container roles): Easel never reads, holds or logs them.
 */
import { DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { BlobStoreUnavailable } from '../blobs.ts';

export interface BucketSettings {
  endpoint?: string;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  /** Longest one call may take, retries included. */
  timeoutMs: number;
}

/** What the blob store needs of an object store (S3 here; a test may hand in another). */
export interface ObjectBucket {
  put(key: string, bytes: Buffer): Promise<void>;
  /** The object's bytes, or null when there is no such object. */
  get(key: string): Promise<Buffer | null>;
  /** Delete up to 1000 objects; returns the keys that could not be deleted. */
  deleteMany(keys: readonly string[]): Promise<string[]>;
  /** Throws BlobStoreUnavailable with the reason when the bucket cannot be used. */
  check(): Promise<void>;
  close(): void;
}

const MISSING = new Set(['NoSuchKey', 'NotFound']);

/** An S3 error without its request details: name, HTTP status, and what was being done. */
function unavailable(what: string, err: unknown): BlobStoreUnavailable {
  if (err instanceof BlobStoreUnavailable) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const reason = e.name === 'AbortError' || e.name === 'TimeoutError' ? 'timed out' : `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
  return new BlobStoreUnavailable(`object store: ${what} failed: ${reason}`.slice(0, 400), { cause: err });
}

export function s3Bucket(settings: BucketSettings): ObjectBucket {
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    // Two tries (one quick retry) within the call's time limit: a store that is down should be
    // reported in seconds, not after the SDK's long backoff.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: Math.min(settings.timeoutMs, 3_000), requestTimeout: settings.timeoutMs },
    // Checksums only where S3 requires them: many S3-compatible servers (older MinIO, R2, Ceph)
    // reject the newer default trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = settings.bucket;
  const signal = () => AbortSignal.timeout(settings.timeoutMs);

  return {
    async put(key, bytes) {
      try {
        await client.send(new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentLength: bytes.length, ContentType: 'application/octet-stream' }), { abortSignal: signal() });
      } catch (err) {
        throw unavailable(`storing ${key}`, err);
      }
    },

    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }), { abortSignal: signal() });
        if (!out.Body) return null;
        return Buffer.from(await out.Body.transformToByteArray());
      } catch (err) {
        if (err instanceof S3ServiceException && MISSING.has(err.name)) return null;
        throw unavailable(`reading ${key}`, err);
      }
    },

    async deleteMany(keys) {
      if (!keys.length) return [];
      try {
        const out = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }), { abortSignal: signal() });
        return (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey').map((e) => e.Key!).filter(Boolean);
      } catch (err) {
        throw unavailable(`deleting ${keys.length} objects`, err);
      }
    },

    async check() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }), { abortSignal: signal() });
      } catch (err) {
        throw unavailable(`opening bucket ${Bucket}`, err);
      }
    },

    close: () => client.destroy(),
  };
}
