/**
 * The Redis guard (src/jobs/redis-guard.ts): what the settings mean, read from the real Redis,
 * a managed Redis that forbids CONFIG, and REDIS_URL forms for TLS and passwords.
 */
import pino from 'pino';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createRedis } from '../../src/jobs/redis.ts';
import { assessRedisSettings, guardRedis, RedisSettingsError } from '../../src/jobs/redis-guard.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';

describe('Redis guard', () => {
  it('refuses allkeys-* eviction, warns about volatile-* and no persistence, accepts noeviction with AOF', () => {
    expect(assessRedisSettings({ maxmemoryPolicy: 'allkeys-lru', appendonly: 'yes', save: '' }).refuse).toMatch(/allkeys-lru.*noeviction/);
    expect(assessRedisSettings({ maxmemoryPolicy: 'allkeys-random' }).refuse).toBeDefined();
    const volatile = assessRedisSettings({ maxmemoryPolicy: 'volatile-lru', appendonly: 'yes', save: '' });
    expect(volatile.refuse).toBeUndefined();
    expect(volatile.warnings.join()).toMatch(/volatile-lru/);
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'no', save: '' }).warnings.join()).toMatch(/no persistence/);
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'no', save: '3600 1' }).warnings).toEqual([]);
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'yes', save: '' })).toEqual({ warnings: [] });
  });

  it('reads the settings of a real Redis', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const policy = ((await redis.config('GET', 'maxmemory-policy')) as string[])[1];
      const run = guardRedis(redis, silentLogger);
      if (policy.startsWith('allkeys-')) await expect(run).rejects.toBeInstanceOf(RedisSettingsError);
      else await expect(run).resolves.toMatchObject({ warnings: expect.any(Array) });
    } finally {
      redis.disconnect();
    }
  });

  it('tolerates a managed Redis that forbids CONFIG, and says what to check', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const managed = { config: async () => { throw new Error("ERR unknown command 'CONFIG'"); } };
    await expect(guardRedis(managed, log)).resolves.toEqual({ warnings: [] });
    expect(lines.join('')).toMatch(/noeviction/);
    const refusing = { config: async (_: 'GET', name: string) => [name, name === 'maxmemory-policy' ? 'allkeys-lru' : 'yes'] };
    await expect(guardRedis(refusing, log)).rejects.toThrow(/allkeys-lru/);
  });

  it('takes TLS (rediss://), a user and a password from REDIS_URL', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://easel:s3cret@redis.invalid:6380/2' });
    const redis = createRedis(config, 'tls', { log: silentLogger });
    try {
      expect(redis.options).toMatchObject({ host: 'redis.invalid', port: 6380, db: 2, username: 'easel', password: 's3cret' });
      expect(redis.options.tls).toBeTruthy();
    } finally {
      redis.disconnect();
    }
  });
});
