/**
 * Redis settings that silently break the queue, checked at start (`easel bot|worker|start`):
 *
 *   maxmemory-policy allkeys-*   Redis may evict any key when full, BullMQ's included: jobs vanish,
 *                                locks disappear. Refused.
 *   any other policy but         volatile-* evicts keys with a TTL: uploads and results (blobs)
 *   noeviction                   could vanish before their job runs. Warned.
 *   no AOF and no RDB snapshots  the queue is lost when Redis restarts. Warned.
 *   cluster_enabled:1            Redis Cluster. Refused (see CLUSTER_REFUSAL): Easel runs on one
 *                                primary, made highly available with Sentinel.
 *
 * A managed Redis may forbid CONFIG (ElastiCache, Upstash…): then the settings cannot be read, and
 * the operator is told what to make sure of instead.
 */
import type { Logger } from '../log.ts';
import { withTimeout } from './redis.ts';

export interface RedisSettings {
  /** `INFO cluster` said cluster_enabled:1. */
  cluster?: boolean;
  maxmemoryPolicy?: string;
  appendonly?: string;
  /** RDB snapshot rules ('' = none). */
  save?: string;
}

export interface RedisAssessment {
  /** Set when Easel must not run on this Redis. */
  refuse?: string;
  warnings: string[];
}

export class RedisSettingsError extends Error {
  readonly userMessage: string;
  constructor(message: string) {
    super(message);
    this.name = 'RedisSettingsError';
    this.userMessage = message;
  }
}

/**
 * Why Easel refuses Redis Cluster. BullMQ's scripts need every key of a queue in one hash slot (a
 * `{…}` hash-tagged prefix), and Easel's admission script touches the queue's keys together with
 * per-user and per-server ones: in a cluster all of it would have to live in one slot, on one node —
 * a cluster would add no capacity, only moving parts. Failover is what a cluster would give, and
 * Sentinel gives it for the single primary Easel needs; bytes, the part that grows, go to S3.
 */
export const CLUSTER_REFUSAL =
  'Redis Cluster is not supported: Easel keeps its queue and limits on one Redis primary (a cluster would have to put every Easel key in one hash slot, on one node). For automatic failover run a primary with replicas under Redis Sentinel and set REDIS_SENTINELS and REDIS_SENTINEL_NAME; to keep Redis small put image bytes in an object store (EASEL_BLOB_STORE=s3) — see README "Storage at scale".';

/** What the settings mean for the queue (pure). */
export function assessRedisSettings(s: RedisSettings): RedisAssessment {
  const warnings: string[] = [];
  if (s.cluster) return { refuse: CLUSTER_REFUSAL, warnings };
  const policy = s.maxmemoryPolicy;
  if (policy?.startsWith('allkeys-')) {
    return {
      refuse: `Redis maxmemory-policy is '${policy}': when memory is full Redis evicts the queue's own keys and jobs vanish. Set it to noeviction (CONFIG SET maxmemory-policy noeviction, or maxmemory-policy noeviction in redis.conf) — see README "Redis".`,
      warnings,
    };
  }
  if (policy && policy !== 'noeviction') warnings.push(`Redis maxmemory-policy is '${policy}': uploads and results (keys with a TTL) may be evicted before their job runs; noeviction is recommended`);
  if (s.appendonly === 'no' && s.save === '') warnings.push('Redis has no persistence (appendonly no, no RDB snapshots): queued jobs are lost when Redis restarts; appendonly yes is recommended');
  return { warnings };
}

/** The CONFIG (and INFO) commands of an ioredis client (or a stand-in). */
export interface ConfigReader {
  config(subcommand: 'GET', parameter: string): Promise<unknown>;
  info?(section: 'cluster'): Promise<string>;
}

/** Whether this Redis is a cluster node (`INFO cluster`); undefined when it cannot be told. */
async function clusterEnabled(redis: ConfigReader, timeoutMs: number): Promise<boolean | undefined> {
  if (!redis.info) return undefined;
  try {
    const info = await withTimeout(redis.info('cluster'), timeoutMs, 'INFO cluster');
    return /^cluster_enabled:1\s*$/m.test(info);
  } catch {
    return undefined;
  }
}

async function configGet(redis: ConfigReader, name: string): Promise<string | undefined> {
  const reply = (await redis.config('GET', name)) as string[];
  return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : undefined;
}

/** Read the settings and log what they mean; throws RedisSettingsError for a Redis that would lose jobs. */
export async function guardRedis(redis: ConfigReader, log: Logger, timeoutMs = 5_000): Promise<RedisAssessment> {
  // Cluster first, on its own: a managed cluster may forbid CONFIG but still answers INFO.
  if (await clusterEnabled(redis, timeoutMs)) throw new RedisSettingsError(CLUSTER_REFUSAL);
  let settings: RedisSettings;
  try {
    const [maxmemoryPolicy, appendonly, save] = await withTimeout(Promise.all(['maxmemory-policy', 'appendonly', 'save'].map((p) => configGet(redis, p))), timeoutMs, 'CONFIG GET');
    settings = { maxmemoryPolicy, appendonly, save };
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'cannot read Redis settings (Redis unreachable, or CONFIG not allowed on a managed Redis): make sure maxmemory-policy is noeviction and persistence (AOF) is on');
    return { warnings: [] };
  }
  const assessment = assessRedisSettings(settings);
  if (assessment.refuse) throw new RedisSettingsError(assessment.refuse);
  for (const w of assessment.warnings) log.warn({ redis: settings }, w);
  return assessment;
}
