/**
 * Real Redis for tests (127.0.0.1:6379 unless REDIS_URL says otherwise), isolated by a key prefix
 * unique to this test run: `easel-test-<pid>-<time>-<n>`. `cleanup()` deletes every key under it.
 *
 *   const r = await testRedis();
 *   const config = r.config({ EASEL_USER_MAX_JOBS: '2' });   // a Config pointing at this prefix
 *   …
 *   await r.cleanup();
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.ts';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let counter = 0;

export interface TestRedis {
  readonly url: string;
  readonly prefix: string;
  /** A plain client for assertions and setup (closed by cleanup). */
  readonly redis: Redis;
  /** A validated Config for this prefix: only the variables given (plus REDIS_URL and the prefix), not the process env. */
  config(env?: Record<string, string>): Config;
  /** The environment `config()` was built from, for child processes (`easel worker`). */
  env(env?: Record<string, string>): Record<string, string>;
  keys(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function testRedis(name = 'test'): Promise<TestRedis> {
  const prefix = `easel-test-${process.pid}-${Date.now()}-${++counter}-${name}`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
  await redis.ping();
  const env = (extra: Record<string, string> = {}) => ({ REDIS_URL: TEST_REDIS_URL, EASEL_REDIS_PREFIX: prefix, LOG_LEVEL: 'silent', ...extra });
  const keys = async () => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };
  return {
    url: TEST_REDIS_URL,
    prefix,
    redis,
    env,
    config: (extra) => loadConfig(env(extra), REPO_ROOT),
    keys,
    async cleanup() {
      const all = await keys();
      for (let i = 0; i < all.length; i += 500) await redis.unlink(...all.slice(i, i + 500));
      redis.disconnect();
    },
  };
}
