/**
 * Storage settings (src/config.ts) and the one Redis connection factory (src/jobs/redis.ts):
 * EASEL_BLOB_STORE and the EASEL_S3_* variables, REDIS_SENTINELS / REDIS_SENTINEL_NAME turned into
 * the options of every connection (command clients and BullMQ's), and no Redis client or BullMQ
 * connection made anywhere else in src/.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { bullConnection, createRedis } from '../../src/jobs/redis.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('blob store settings', () => {
  it('defaults to Redis; s3 takes the endpoint, bucket, region and path style, and needs a bucket', () => {
    expect(loadConfig({}).blobs).toMatchObject({ store: 'redis', s3: undefined, sweepS: 60 });
    const c = loadConfig({ EASEL_BLOB_STORE: 's3', EASEL_S3_ENDPOINT: 'http://minio.internal:9000', EASEL_S3_BUCKET: 'easel-blobs', EASEL_S3_REGION: 'eu-west-1', EASEL_S3_FORCE_PATH_STYLE: 'true' });
    expect(c.blobs.s3).toEqual({ endpoint: 'http://minio.internal:9000', bucket: 'easel-blobs', region: 'eu-west-1', forcePathStyle: true, timeoutMs: 10_000 });
    expect(loadConfig({ EASEL_BLOB_STORE: 's3', EASEL_S3_BUCKET: 'b' }).blobs.s3).toMatchObject({ endpoint: undefined, region: 'us-east-1', forcePathStyle: false });
    expect(() => loadConfig({ EASEL_BLOB_STORE: 's3' })).toThrow(/EASEL_S3_BUCKET is required with EASEL_BLOB_STORE=s3/);
    expect(() => loadConfig({ EASEL_BLOB_STORE: 'gcs' })).toThrow(ConfigError);
    expect(() => loadConfig({ EASEL_BLOB_STORE: 's3', EASEL_S3_BUCKET: 'b', EASEL_S3_ENDPOINT: 'minio:9000' })).toThrow(/EASEL_S3_ENDPOINT/);
  });

  it('credentials are not configuration: nothing in the config holds them', () => {
    const c = loadConfig({ EASEL_BLOB_STORE: 's3', EASEL_S3_BUCKET: 'b', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'very-secret-key' });
    expect(JSON.stringify(c)).not.toMatch(/AKIAEXAMPLE|very-secret-key/);
  });
});

describe('Redis Sentinel settings', () => {
  it('parses the Sentinel list and refuses a malformed one', () => {
    const c = loadConfig({ REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b:26380,[::1]:26381', REDIS_SENTINEL_NAME: 'easel', REDIS_SENTINEL_PASSWORD: 'pw' });
    expect(c.redis.sentinel).toEqual({ hosts: [{ host: '10.0.0.1', port: 26379 }, { host: 'sentinel-b', port: 26380 }, { host: '::1', port: 26381 }], name: 'easel', password: 'pw' });
    expect(loadConfig({ REDIS_SENTINELS: 's:26379' }).redis.sentinel?.name).toBe('mymaster');
    expect(loadConfig({}).redis.sentinel).toBeUndefined();
    expect(() => loadConfig({ REDIS_SENTINELS: 'sentinel-a' })).toThrow(/REDIS_SENTINELS/);
  });

  it('every connection asks the Sentinels, with REDIS_URL giving only the credentials, db and TLS', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://easel:s3cret@ignored.invalid:6380/3', REDIS_SENTINELS: '127.0.0.1:1,127.0.0.1:2', REDIS_SENTINEL_NAME: 'easel-primary' });
    const expected = { sentinels: [{ host: '127.0.0.1', port: 1 }, { host: '127.0.0.1', port: 2 }], name: 'easel-primary', username: 'easel', password: 's3cret', db: 3, enableTLSForSentinelMode: true };
    const bull = bullConnection(config);
    expect(bull).toMatchObject({ ...expected, maxRetriesPerRequest: null });
    expect(bull.url).toBeUndefined();
    const redis = createRedis(config, 'probe', { log: silentLogger });
    try {
      expect(redis.options).toMatchObject(expected);
      expect(redis.options.tls).toBeTruthy();
    } finally {
      redis.disconnect();
    }
    // Without Sentinels: REDIS_URL as before.
    expect(bullConnection(loadConfig({ REDIS_URL: 'redis://h:1' }))).toEqual({ url: 'redis://h:1', maxRetriesPerRequest: null });
  });

  it('src/ makes Redis clients and BullMQ connections only through the factory (src/jobs/redis.ts)', () => {
    const offenders: string[] = [];
    for (const file of sources('src')) {
      const text = readFileSync(file, 'utf8');
      if (file !== path.join('src', 'jobs', 'redis.ts') && /new (Redis|Cluster)\(|\.duplicate\(/.test(text)) offenders.push(`${file}: creates a Redis client`);
      if (!/from 'bullmq'/.test(text)) continue;
      for (const m of text.matchAll(/new (Queue|Worker|QueueEvents|QueueEventsProducer|FlowProducer)(<[^>]*>)?\(([^)]*)/g)) {
        if (!/bullConnection\(|connection: \{ \.\.\.bullConnection\(/.test(text.slice(m.index, m.index + 300))) offenders.push(`${file}: ${m[1]} without bullConnection()`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
