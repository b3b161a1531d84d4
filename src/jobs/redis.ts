/**
 * Redis connections — the one factory. Every connection Easel opens comes from here: BullMQ's own
 * (queue, workers, queue events: `bullConnection`) and Easel's command clients (admission, delivery
 * claims, blob index, settings, their pub/sub: `createRedis`). So one setting decides for all of
 * them whether they talk to the Redis at REDIS_URL or ask Redis Sentinel (REDIS_SENTINELS) for the
 * current primary, and follow it through a failover.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/**
 * Where and how to connect, as ioredis options: REDIS_URL as given, or — with Sentinel — the
 * Sentinels to ask, the primary's name, and REDIS_URL's user, password, db and TLS for the data nodes.
 */
export function redisTarget(config: Config): { url?: string; options: RedisOptions } {
  const sentinel = config.redis.sentinel;
  if (!sentinel) return { url: config.redis.url, options: {} };
  const u = new URL(config.redis.url);
  const db = Number(u.pathname.replace(/^\//, '') || 0);
  const tls = u.protocol === 'rediss:';
  return {
    options: {
      sentinels: sentinel.hosts,
      name: sentinel.name,
      role: 'master',
      ...(sentinel.password ? { sentinelPassword: sentinel.password } : {}),
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(db ? { db } : {}),
      ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      // A demoted primary answers writes with READONLY until the connection is re-established on
      // the new one: reconnect and resend the command.
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    },
  };
}

/** BullMQ connection options: it requires maxRetriesPerRequest null for its blocking clients. */
export function bullConnection(config: Config): BullRedisOptions {
  const { url, options } = redisTarget(config);
  // With Sentinel, BullMQ's blocking connections also follow the Sentinels' +switch-master at once:
  // in a planned switchover the old primary stays up (as a replica) and a blocked worker connection
  // was seen to stay with it. (Not for the command clients: an idle fail-fast client was once seen
  // not to come back after a crash with it on.)
  return { ...(url ? { url } : {}), ...(options as BullRedisOptions), ...(config.redis.sentinel ? { failoverDetector: true } : {}), maxRetriesPerRequest: null };
}

/**
 * A command client that fails fast while Redis is down (a few retries, then the command rejects),
 * so a chat adapter can answer "the queue is unavailable" instead of hanging on a dead socket.
 *
 * `failFast` (the bot side) also turns off ioredis' offline queue: a command issued while Redis is
 * unreachable is refused at once instead of being replayed on reconnect — otherwise a submission
 * the user was told had failed could still turn into a job minutes later.
 */
/** Longest a fail-fast (bot side) command may go unanswered before it rejects. */
const FAIL_FAST_COMMAND_TIMEOUT_MS = 15_000;

export function createRedis(config: Config, name: string, opts: { log?: Logger; failFast?: boolean } = {}): Redis {
  const { url, options: target } = redisTarget(config);
  const options: RedisOptions = {
    ...target,
    connectionName: `easel:${name}`,
    maxRetriesPerRequest: 3,
    lazyConnect: false,
    enableOfflineQueue: !opts.failFast,
    // …nor resend commands that were in flight when the connection dropped.
    autoResendUnfulfilledCommands: !opts.failFast,
    // ioredis then drops those in-flight commands without settling them (their promises would hang
    // forever, e.g. a delivery sweep across a quick Redis restart): give every command a deadline.
    ...(opts.failFast ? { commandTimeout: FAIL_FAST_COMMAND_TIMEOUT_MS } : {}),
  };
  const redis = url ? new Redis(url, options) : new Redis(options);
  logConnectionErrors(redis, name, opts.log);
  return redis;
}

/**
 * ioredis emits 'error' on every failed reconnect; without a listener it prints "Unhandled error
 * event". Log the first one and then at most one a minute, so an outage is visible but not a flood.
 */
export function logConnectionErrors(redis: Redis, name: string, log?: Logger): void {
  const onError = connectionErrorLogger(name, log);
  redis.on('error', onError);
  redis.on('ready', () => {
    if (onError.logged()) log?.info({ connection: name }, 'Redis connection restored');
    onError.reset();
  });
}

/**
 * An 'error' listener for a Redis-backed emitter (ioredis client, BullMQ Queue/Worker/QueueEvents):
 * the first error is logged as one JSON line, then at most one a minute with a count of the rest.
 */
export function connectionErrorLogger(name: string, log?: Logger): ((err: Error) => void) & { logged(): boolean; reset(): void } {
  let lastLogged = 0;
  let suppressed = 0;
  const onError = (err: Error) => {
    const now = Date.now();
    if (now - lastLogged < 60_000) {
      suppressed++;
      return;
    }
    log?.warn({ connection: name, err: err.message, suppressed }, 'Redis connection error (retrying)');
    lastLogged = now;
    suppressed = 0;
  };
  return Object.assign(onError, { logged: () => lastLogged !== 0, reset: () => ((lastLogged = 0), (suppressed = 0)) });
}

/** Wait until the client is connected, up to `ms`; resolves false (and does not throw) when it is not. */
export async function whenReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.on('ready', onReady);
  });
}

/** Resolve a promise or reject after `ms` (Redis calls on the request path must not hang); `onTimeout` lets the work stop itself. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What BullMQ's Worker, Queue and QueueEvents have in common for shutting down. */
export interface Closable {
  close(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Close a BullMQ worker or queue, waiting at most `ms`. BullMQ's close() waits on its connections
 * (the blocking one to end, the client's set-up to finish); right after Redis restarted without
 * persistence or failed over, that wait was seen never to end — and a close that never returns holds
 * up a SIGTERM, or the hand-over of the editor role, for good. Past `ms` its connections are cut
 * (not waited for) and the caller goes on.
 */
export async function closeWithin(target: Closable, ms: number, what: string, log?: Logger): Promise<void> {
  try {
    await withTimeout(target.close(), ms, `closing ${what}`);
  } catch (err) {
    log?.warn({ err: err instanceof Error ? err.message : String(err) }, `${what} did not close in time; its connections are cut`);
    void target.disconnect().catch(() => undefined);
  }
}
