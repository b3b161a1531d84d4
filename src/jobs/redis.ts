/**
 * Redis connections. BullMQ opens its own (it needs blocking ones); Easel's own commands (blobs,
 * limits, delivery bookkeeping) share one ioredis client per process side.
 */
import { Redis } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import type { Config } from '../config.ts';

/** BullMQ connection options: it requires maxRetriesPerRequest null for its blocking clients. */
export function bullConnection(config: Config): ConnectionOptions {
  return { url: config.redis.url, maxRetriesPerRequest: null };
}

/**
 * A command client that fails fast while Redis is down (a few retries, then the command rejects),
 * so a chat adapter can answer "the queue is unavailable" instead of hanging on a dead socket.
 */
export function createRedis(config: Config, name: string): Redis {
  return new Redis(config.redis.url, {
    connectionName: `easel:${name}`,
    maxRetriesPerRequest: 3,
    lazyConnect: false,
  });
}

/** Resolve a promise or reject after `ms` (Redis calls on the request path must not hang). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
