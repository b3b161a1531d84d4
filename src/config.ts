/**
 * The one place that reads the environment. Everything else receives a `Config`.
 *
 * Validated once at start with zod; `loadConfig` throws a `ConfigError` whose message names every
 * missing or invalid variable, so an operator fixes them all in one go. `.env.example` documents each.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { QUALITIES, type Quality } from './engine/types.ts';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const port = z.coerce.number().int().min(0).max(65535);

const url = (what: string) =>
  z.string().refine((v) => {
    try {
      new URL(v);
      return true;
    } catch {
      return false;
    }
  }, `must be a URL (${what})`);

/** The real platforms' API bases: when left at these, only the platforms' own file hosts are trusted. */
export const DEFAULT_DISCORD_API_BASE = 'https://discord.com/api';
/** Where the Interactions Endpoint listens (EASEL_DISCORD_INTERACTIONS=http): the Developer Portal's "Interactions Endpoint URL" ends with it. */
export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';
export const DEFAULT_SLACK_AUTHORIZE_URL = 'https://slack.com/oauth/v2/authorize';

export { QUALITIES, type Quality };

/**
 * DISCORD_SHARDS: `0-15`, `0,3,5`, `0-3,8` → sorted unique ids; '' → undefined (all shards);
 * null when malformed.
 */
export function parseShardList(spec: string): number[] | undefined | null {
  const text = spec.trim();
  if (!text) return undefined;
  const ids = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = part.match(/^(\d{1,6})(?:\s*-\s*(\d{1,6}))?$/);
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return null;
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Default assets folder: `../shared/assets` beside the checkout when it exists. */
export function defaultAssetsDir(cwd = process.cwd()): string {
  return path.resolve(cwd, '..', 'shared', 'assets');
}

const schema = z
  .object({
    NODE_ENV: z.string().default('production'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_PRETTY: bool.default(false),

    REDIS_URL: url('redis://host:port').default('redis://127.0.0.1:6379'),
    /** Key prefix for every Redis key (queues, blobs, limits); lets several deployments or test runs share one Redis. */
    EASEL_REDIS_PREFIX: z.string().min(1).default('easel'),
    /** Redis Sentinel: "host:port,host:port"; when set, every connection asks them for the current primary (REDIS_URL then gives only credentials, db and TLS). */
    REDIS_SENTINELS: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .refine((list) => list.every((s) => /^[^\s:]+:\d{1,5}$/.test(s) || /^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(s)), 'must be a comma-separated list of host:port'),
    /** The primary's name in the Sentinels' configuration (`sentinel monitor <name> …`). */
    REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
    /** Password of the Sentinels themselves (`requirepass` in sentinel.conf), when they have one. */
    REDIS_SENTINEL_PASSWORD: optionalString,

    /** Where image bytes live: 'redis' (embedded default) or 's3' (any S3-compatible object store). */
    EASEL_BLOB_STORE: z.enum(['redis', 's3']).default('redis'),
    /** S3 endpoint URL; empty = AWS S3 itself (for MinIO, R2, …: their URL). */
    EASEL_S3_ENDPOINT: optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'must be an http(s) URL'),
    EASEL_S3_BUCKET: optionalString,
    EASEL_S3_REGION: z.string().min(1).default('us-east-1'),
    /** Path-style URLs (endpoint/bucket/key) instead of bucket.endpoint: MinIO and most self-hosted servers need it. */
    EASEL_S3_FORCE_PATH_STYLE: bool.default(false),
    /** Longest one object-store call may take before the store counts as unavailable ("try again later"). */
    EASEL_S3_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** How often expired blobs are deleted from the object store (Easel's own expiry; a bucket lifecycle rule is only the backstop). */
    EASEL_BLOB_SWEEP_S: z.coerce.number().int().min(1).default(60),

    DISCORD_TOKEN: optionalString,
    DISCORD_APPLICATION_ID: optionalString,
    DISCORD_API_BASE: url('Discord REST base').default(DEFAULT_DISCORD_API_BASE),
    DISCORD_GATEWAY_URL: optionalString,
    DISCORD_GUILD_ID: optionalString,
    DISCORD_USE_THREADS: bool.default(true),
    /** Total shards: `auto` = Discord's recommendation (GET /gateway/bot), or a number (the same in every process). */
    DISCORD_SHARD_COUNT: z
      .string()
      .default('auto')
      .transform((v) => v.trim().toLowerCase() || 'auto')
      .refine((v) => v === 'auto' || /^[1-9]\d{0,5}$/.test(v), 'must be auto or a whole number of shards (1 or more)')
      .transform((v): number | 'auto' => (v === 'auto' ? 'auto' : Number(v))),
    /** The shards this process runs: `0-15`, `0,3,5`, `0-3,8`; empty = all of them. */
    DISCORD_SHARDS: z
      .string()
      .default('')
      .refine((v) => parseShardList(v) !== null, 'must be shard ids and ranges, e.g. 0-15 or 0,3,5')
      .transform((v) => parseShardList(v) ?? undefined),
    /** Never IDENTIFY with fewer of the day's session starts left than this (Discord resets the token past 1,000). */
    EASEL_MIN_SESSION_STARTS: z.coerce.number().int().min(0).default(10),
    /** An identify bucket's window (Discord: 5 s); only a test fake wants it shorter. */
    EASEL_IDENTIFY_WINDOW_MS: z.coerce.number().int().min(0).default(5_000),
    /** A shard's lease in Redis (one process per shard; renewed at a third of it); 0 = no leases. */
    EASEL_SHARD_LEASE_MS: z.coerce.number().int().min(0).default(30_000),
    /**
     * How Discord delivers interactions (commands, buttons, selects): over the gateway (default), or
     * `http` — to this process's Interactions Endpoint on PORT at /discord/interactions, Ed25519-signed
     * with the application's public key. Message events (replies with a photo) always come by gateway.
     */
    EASEL_DISCORD_INTERACTIONS: z.enum(['gateway', 'http']).default('gateway'),
    /** The application's public key (Developer Portal → General Information), hex: verifies interactions over HTTP. */
    DISCORD_PUBLIC_KEY: optionalString.refine((v) => v === undefined || /^[0-9a-f]{64}$/i.test(v), "must be the application's public key: 64 hex characters (Developer Portal → General Information)"),
    /** `off`: this process opens no gateway session — an interactions-only replica (needs EASEL_DISCORD_INTERACTIONS=http). */
    EASEL_DISCORD_GATEWAY: z.enum(['on', 'off']).default('on'),

    SLACK_BOT_TOKEN: optionalString,
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_API_URL: url('Slack Web API base').default(DEFAULT_SLACK_API_URL),
    SLACK_APP_TOKEN: optionalString,
    /** Distribution mode ("Add to Slack" in any workspace): all three set → Bolt's OAuth flow, one token per workspace. */
    SLACK_CLIENT_ID: optionalString,
    SLACK_CLIENT_SECRET: optionalString,
    SLACK_STATE_SECRET: optionalString,
    /** Where admins are sent to approve the install (a test double in tests). */
    SLACK_AUTHORIZE_URL: url('Slack OAuth authorize page').default(DEFAULT_SLACK_AUTHORIZE_URL),
    /** Optional: without it the authorize request carries no redirect_uri and Slack uses the app's configured one. */
    SLACK_REDIRECT_URL: optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'must be an http(s) URL'),
    /** 32 random bytes, base64: encrypts workspace tokens at rest (distribution mode only). */
    EASEL_TOKEN_KEY: optionalString,
    PORT: port.default(3000),

    EASEL_ASSETS: optionalString,
    /** A mirror laid out like the assets folder (air-gapped sites, tests): used instead of the public sources. */
    EASEL_ASSETS_URL: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? v.trim() : undefined))
      .refine((v) => v === undefined || /^https?:\/\/[^/]/.test(v), 'must be an http(s) URL of a folder laid out like the assets folder'),
    EASEL_WEIGHTS_DIR: z.string().default('weights'),
    EASEL_PRESETS_DIR: z.string().default('presets'),
    EASEL_DEFAULT_SIZE: z.coerce.number().int().min(32).max(4096).default(512),
    EASEL_MAX_SIZE: z.coerce.number().int().min(32).max(4096).default(1024),
    EASEL_DEFAULT_QUALITY: z.enum(QUALITIES).default('balanced'),
    EASEL_ENGINE: z.enum(['auto', 'onnx', 'tfjs']).default('auto'),
    EASEL_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    /**
     * ONNX Runtime execution providers to try in order, e.g. "tensorrt,cuda,cpu"; empty or `auto` =
     * cuda,cpu. A list without cpu (`cuda`, what a GPU worker sets) never falls back: the worker
     * refuses to start when the provider cannot load (engine/onnx/provider-deps.ts).
     */
    EASEL_ONNX_PROVIDERS: z
      .string()
      .default('')
      .transform((v) => (v.trim().toLowerCase() === 'auto' ? '' : v).split(',').map((p) => p.trim().toLowerCase()).filter(Boolean))
      .refine((list) => list.every((p) => ['tensorrt', 'cuda', 'cpu'].includes(p)), 'must list providers from tensorrt, cuda, cpu (comma-separated)'),

    EASEL_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    EASEL_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
    EASEL_JOB_LOCK_MS: z.coerce.number().int().min(1000).default(60_000),
    EASEL_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
    EASEL_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
    /** A render's time limit in seconds; 0 = derived from its size and quality (jobs/eta.ts deadlineMs). */
    EASEL_JOB_DEADLINE_S: z.coerce.number().int().min(0).default(0),
    /** Largest `iterations` a user may ask for; more is capped to this. */
    EASEL_MAX_ITERATIONS: z.coerce.number().int().min(1).max(5000).default(1000),
    EASEL_USER_MAX_JOBS: z.coerce.number().int().min(1).default(2),
    EASEL_USER_COOLDOWN_S: z.coerce.number().min(0).default(5),
    EASEL_MAX_WAITING: z.coerce.number().int().min(1).default(100),
    /** Waiting jobs one Discord guild or Slack workspace may have, so one community cannot fill the line. */
    EASEL_SERVER_MAX_WAITING: z.coerce.number().int().min(1).default(20),
    EASEL_BLOB_TTL_S: z.coerce.number().int().min(10).default(24 * 3600),
    /** Uploads no job refers to yet (a refused or abandoned request) expire after this. */
    EASEL_PENDING_BLOB_TTL_S: z.coerce.number().int().min(10).default(600),
    /** Total bytes of such pending uploads; past it, new requests are refused politely. */
    EASEL_PENDING_BLOB_BUDGET_BYTES: z.coerce.number().int().min(1024).default(256 * 1024 * 1024),
    EASEL_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(25 * 1024 * 1024),
    EASEL_MAX_INPUT_PIXELS: z.coerce.number().int().min(1024).default(50_000_000),
    EASEL_DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
    /**
     * The worker decodes chat uploads in a child process under this memory limit (RLIMIT_DATA, MiB;
     * Node and sharp take about 140 of it) and kills a decode that outlasts the timeout (src/images/sandbox.ts).
     */
    EASEL_DECODE_MAX_MEMORY_MB: z.coerce.number().int().min(192).default(768),
    EASEL_DECODE_TIMEOUT_S: z.coerce.number().min(1).default(30),

    /** Delivery of results to chat (src/jobs/delivery/): sweep period, claim lifetime, one attempt's deadline, attempts. */
    EASEL_DELIVERY_SWEEP_MS: z.coerce.number().int().min(50).default(5_000),
    EASEL_DELIVERY_CLAIM_MS: z.coerce.number().int().min(100).default(60_000),
    EASEL_DELIVERY_DEADLINE_MS: z.coerce.number().int().min(100).default(180_000),
    EASEL_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
    /**
     * Least time between two edits of one job's status message, over all bot processes (Discord
     * tolerates about five edits per five seconds per message).
     */
    EASEL_EDIT_INTERVAL_MS: z.coerce.number().int().min(0).default(2_000),
    /** Status edits per second to Discord over all bot processes (one bot token allows 50 requests/s in all). */
    EASEL_DISCORD_EDITS_PER_S: z.coerce.number().int().min(1).max(50).default(40),
    /** How long a killed bot process keeps a job's status updates before another process takes them over. */
    EASEL_STATUS_LOCK_MS: z.coerce.number().int().min(100).default(10_000),
    /** Longest one call to a chat platform's API may take (Slack WebClient, discord.js REST). */
    EASEL_PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    /** Animated GIF/WebP photos: most frames painted, pixels per painted frame, evaluations over all frames. */
    EASEL_GIF_MAX_FRAMES: z.coerce.number().int().min(1).max(1000).default(48),
    EASEL_GIF_MAX_FRAME_PIXELS: z.coerce.number().int().min(1024).default(256 * 256),
    EASEL_GIF_MAX_EVALUATIONS: z.coerce.number().int().min(1).default(1500),

    EASEL_METRICS_PORT: port.default(9464),
    /** Address of /healthz, /metrics and the dashboard: loopback unless the operator opens it (0.0.0.0 in a container). */
    EASEL_OPS_HOST: z.string().min(1).default('127.0.0.1'),
    EASEL_DASHBOARD: bool.default(false),
    EASEL_DASHBOARD_USER: z.string().min(1).default('admin'),
    /** Bull Board's basic-auth password: without it the dashboard stays off. */
    EASEL_DASHBOARD_PASSWORD: optionalString,
    /** Bull Board can retry, promote and delete jobs only when this is off. */
    EASEL_DASHBOARD_READ_ONLY: bool.default(true),
  })
  .superRefine((c, ctx) => {
    if (typeof c.DISCORD_SHARD_COUNT === 'number' && c.DISCORD_SHARDS?.some((id) => id >= (c.DISCORD_SHARD_COUNT as number))) {
      ctx.addIssue({ code: 'custom', path: ['DISCORD_SHARDS'], message: `every shard id must be below DISCORD_SHARD_COUNT (${c.DISCORD_SHARD_COUNT}): ids run 0 to ${c.DISCORD_SHARD_COUNT - 1}` });
    }
    if (c.EASEL_DEFAULT_SIZE > c.EASEL_MAX_SIZE) {
      ctx.addIssue({ code: 'custom', path: ['EASEL_DEFAULT_SIZE'], message: `must not exceed EASEL_MAX_SIZE (${c.EASEL_MAX_SIZE})` });
    }
    if (c.EASEL_GIF_MAX_EVALUATIONS < c.EASEL_GIF_MAX_FRAMES) {
      ctx.addIssue({ code: 'custom', path: ['EASEL_GIF_MAX_EVALUATIONS'], message: `must be at least EASEL_GIF_MAX_FRAMES (${c.EASEL_GIF_MAX_FRAMES}): every frame needs one evaluation` });
    }
  });

/** Decode EASEL_TOKEN_KEY; undefined when it is not exactly 32 bytes of base64. */
export function parseTokenKey(base64: string): Buffer | undefined {
  const trimmed = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, 'base64');
  return key.length === 32 ? key : undefined;
}

/** Checks between variables that must be reported even when other variables fail to parse. */
function crossChecks(env: NodeJS.ProcessEnv): string[] {
  const set = (k: string) => (env[k] ?? '').trim() !== '';
  const problems: string[] = [];
  if (set('SLACK_BOT_TOKEN') && !set('SLACK_APP_TOKEN') && !set('SLACK_SIGNING_SECRET')) {
    problems.push('SLACK_SIGNING_SECRET is required for Slack over HTTP (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  const distribution = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'];
  if (distribution.some(set)) {
    for (const k of distribution) if (!set(k)) problems.push(`${k} is required for Slack distribution mode (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET go together)`);
    if (set('SLACK_BOT_TOKEN')) problems.push('SLACK_BOT_TOKEN must not be set with SLACK_CLIENT_ID: choose single-workspace mode (SLACK_BOT_TOKEN) or distribution mode (SLACK_CLIENT_ID …), not both');
    if (set('SLACK_APP_TOKEN')) problems.push('SLACK_APP_TOKEN (Socket Mode) must not be set with SLACK_CLIENT_ID: Socket Mode is not allowed for distributed apps; distribution mode runs over HTTP');
    if (!set('SLACK_SIGNING_SECRET')) problems.push('SLACK_SIGNING_SECRET is required for Slack distribution mode (it verifies the requests Slack sends over HTTP)');
    if (!set('EASEL_TOKEN_KEY')) problems.push('EASEL_TOKEN_KEY is required for Slack distribution mode: 32 random bytes in base64 (openssl rand -base64 32) that encrypt workspace tokens at rest');
    else if (!parseTokenKey(env.EASEL_TOKEN_KEY ?? '')) problems.push('EASEL_TOKEN_KEY must be exactly 32 bytes in base64 (openssl rand -base64 32)');
  }
  const discordHttp = (env.EASEL_DISCORD_INTERACTIONS ?? '').trim() === 'http';
  if (discordHttp && !set('DISCORD_PUBLIC_KEY')) {
    problems.push("EASEL_DISCORD_INTERACTIONS=http needs DISCORD_PUBLIC_KEY: the application's public key (Developer Portal → General Information), which verifies every request Discord sends to the endpoint");
  }
  if (discordHttp && !set('DISCORD_TOKEN')) problems.push('EASEL_DISCORD_INTERACTIONS=http needs DISCORD_TOKEN (answers, edits and results are sent with it)');
  if ((env.EASEL_DISCORD_GATEWAY ?? '').trim() === 'off' && !discordHttp) {
    problems.push('EASEL_DISCORD_GATEWAY=off needs EASEL_DISCORD_INTERACTIONS=http: without the gateway, interactions can only come over HTTP');
  }
  if (discordHttp && set('SLACK_BOT_TOKEN') && !set('SLACK_APP_TOKEN')) {
    problems.push("EASEL_DISCORD_INTERACTIONS=http and Slack over HTTP would both listen on PORT: run Slack in Socket Mode (SLACK_APP_TOKEN) or in another process");
  }
  if ((env.EASEL_BLOB_STORE ?? '').trim() === 's3' && !set('EASEL_S3_BUCKET')) {
    problems.push('EASEL_S3_BUCKET is required with EASEL_BLOB_STORE=s3 (the bucket that holds uploads and results)');
  }
  if (['1', 'true', 'yes', 'on'].includes((env.EASEL_DASHBOARD ?? '').trim()) && !set('EASEL_DASHBOARD_PASSWORD')) {
    problems.push('EASEL_DASHBOARD needs EASEL_DASHBOARD_PASSWORD: the queue dashboard is only served behind a password (basic auth)');
  }
  return problems;
}

export type Env = z.infer<typeof schema>;

export interface Config {
  env: string;
  log: { level: Env['LOG_LEVEL']; pretty: boolean };
  /** `sentinel`: connect through Redis Sentinel (REDIS_URL then gives credentials, db and TLS only). */
  redis: { url: string; prefix: string; sentinel?: { hosts: Array<{ host: string; port: number }>; name: string; password?: string } };
  discord?: {
    token: string;
    applicationId?: string;
    apiBase: string;
    gatewayUrl?: string;
    guildId?: string;
    useThreads: boolean;
    requestTimeoutMs: number;
    /** Sharding (issue 22): total shards, this process's shard ids (all when absent), the identify floor and window. */
    shardCount?: number | 'auto';
    shards?: number[];
    minSessionStarts?: number;
    identifyWindowMs?: number;
    shardLeaseMs?: number;
    /** Interactions over HTTP (EASEL_DISCORD_INTERACTIONS=http): the endpoint's port and path, the public key; absent = over the gateway. */
    interactionsHttp?: { port: number; path: string; publicKey: string };
    /** false (EASEL_DISCORD_GATEWAY=off): no gateway session in this process, interactions over HTTP only. */
    gateway?: boolean;
  };
  slack?: { botToken: string; signingSecret?: string; apiUrl: string; appToken?: string; port: number; requestTimeoutMs: number };
  /** Slack distribution mode (set instead of `slack`): Bolt's OAuth flow, installations in Redis encrypted with `tokenKey`. */
  slackDistribution?: {
    clientId: string;
    clientSecret: string;
    stateSecret: string;
    signingSecret: string;
    tokenKey: Buffer;
    authorizeUrl: string;
    redirectUrl?: string;
    apiUrl: string;
    port: number;
    requestTimeoutMs: number;
  };
  assets: { source?: string; mirror?: string; weightsDir: string; presetsDir: string };
  render: { defaultSize: number; maxSize: number; defaultQuality: Quality; engine: Env['EASEL_ENGINE']; backend: Env['EASEL_BACKEND']; onnxProviders?: string[] };
  worker: { concurrency: number };
  /** Job retries and worker liveness (src/jobs): attempts for transient failures, lock/stall timings, shutdown grace. */
  jobs: { attempts: number; lockMs: number; stalledIntervalMs: number; shutdownGraceMs: number; deadlineS: number; maxIterations: number };
  limits: { userMaxJobs: number; userCooldownS: number; maxWaiting: number; serverMaxWaiting: number; maxUploadBytes: number; maxInputPixels: number; downloadTimeoutMs: number; decodeMemoryBytes: number; decodeTimeoutMs: number };
  /** Image bytes: where they live, how long, the pending-upload budget; `s3` only with store 's3' (credentials come from the AWS chain, never from here). */
  blobs: {
    store: 'redis' | 's3';
    ttlS: number;
    pendingTtlS: number;
    pendingBudgetBytes: number;
    sweepS: number;
    s3?: { endpoint?: string; bucket: string; region: string; forcePathStyle: boolean; timeoutMs: number };
  };
  /** Animated photos painted frame by frame (src/engine/animation.ts takes these as its limits). */
  animation: { maxFrames: number; maxFramePixels: number; maxEvaluations: number };
  /** Job events to chat (src/jobs/delivery/): finals through fenced claims, status edits through one queue per platform. */
  delivery: DeliveryConfig;
  ops: { metricsPort: number; host: string; dashboard?: { user: string; password: string; readOnly: boolean } };
}

/** Delivery of job events to chat (src/jobs/delivery/). */
export interface DeliveryConfig {
  /** How often pending jobs are checked for a final state. */
  sweepMs: number;
  /** Lifetime of a final delivery's claim; renewed every third of it while the post runs. */
  claimMs: number;
  /** Longest one delivery attempt (or one status edit) may run; past it the attempt counts as failed. */
  deadlineMs: number;
  /** Failed attempts before the user is sent the "undeliverable" notice instead. */
  attempts: number;
  /** Attempts at the "undeliverable" notice itself before the job is dropped (with an error log). */
  noticeAttempts: number;
  /** A pending job found nowhere (not queued, not finished) after this long is reported lost. */
  lostAfterMs: number;
  /** Sweeps in a row a watched job must be missing from Redis before its user is told it was lost. */
  lostAfterSweeps: number;
  /** Deliveries one sweep runs at once. */
  concurrency: number;
  /** Synthetic outcomes (cached results, jobs cancelled while waiting) and delivered markers are kept this long. */
  outcomeTtlS: number;
  /** Requests of recent jobs kept in memory per process (so status events need no Redis lookup). */
  requestCacheEntries: number;
  /** How long close() waits for deliveries in flight. */
  closeGraceMs: number;
  /** Least time between two edits of one status message, over all processes. */
  editIntervalMs: number;
  /** Queue-wide limit of status edits per second, per platform (absent: none; Slack limits per workspace). */
  editsPerSecond: Partial<Record<'discord' | 'slack', number>>;
  /** A status editor's lock (BullMQ job lock and the edit gate): how soon another process takes over from a dead one. */
  statusLockMs: number;
  /** Status edits one bot process runs at once (different jobs). */
  statusConcurrency: number;
  /** How long a job's latest status is kept in Redis. */
  statusTtlS: number;
  /** How often a final delivery waiting for an edit in flight looks again. */
  gatePollMs: number;
}

/** Delivery settings that are not in the environment (the rest come from EASEL_DELIVERY_* and friends). */
export const DELIVERY_DEFAULTS = {
  noticeAttempts: 3,
  lostAfterMs: 10 * 60_000,
  lostAfterSweeps: 2,
  concurrency: 8,
  outcomeTtlS: 7 * 24 * 3600,
  requestCacheEntries: 10_000,
  closeGraceMs: 5_000,
  statusConcurrency: 16,
  statusTtlS: 24 * 3600,
  gatePollMs: 50,
} as const satisfies Partial<DeliveryConfig>;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example for every variable.`);
    this.name = 'ConfigError';
  }
}

/**
 * Load `.env` from the working directory into the environment when it exists (the operator's
 * `cp .env.example .env`). Variables already set in the environment win over the file.
 */
export function loadDotEnv(cwd = process.cwd()): string | undefined {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}

/** Parse and validate an environment (default: process.env). Throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = schema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`)),
    ...crossChecks(env),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const root = cwd;
  const assetsSource = e.EASEL_ASSETS ?? (existsSync(defaultAssetsDir(cwd)) ? defaultAssetsDir(cwd) : undefined);
  return {
    env: e.NODE_ENV,
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY },
    redis: {
      url: e.REDIS_URL,
      prefix: e.EASEL_REDIS_PREFIX,
      sentinel: e.REDIS_SENTINELS.length ? { hosts: e.REDIS_SENTINELS.map(hostPort), name: e.REDIS_SENTINEL_NAME, password: e.REDIS_SENTINEL_PASSWORD } : undefined,
    },
    discord: e.DISCORD_TOKEN
      ? { token: e.DISCORD_TOKEN, applicationId: e.DISCORD_APPLICATION_ID, apiBase: e.DISCORD_API_BASE.replace(/\/+$/, ''), gatewayUrl: e.DISCORD_GATEWAY_URL, guildId: e.DISCORD_GUILD_ID,
          useThreads: e.DISCORD_USE_THREADS,
          requestTimeoutMs: e.EASEL_PLATFORM_TIMEOUT_MS,
          shardCount: e.DISCORD_SHARD_COUNT,
          shards: e.DISCORD_SHARDS,
          minSessionStarts: e.EASEL_MIN_SESSION_STARTS,
          identifyWindowMs: e.EASEL_IDENTIFY_WINDOW_MS,
          shardLeaseMs: e.EASEL_SHARD_LEASE_MS,
          interactionsHttp: e.EASEL_DISCORD_INTERACTIONS === 'http' ? { port: e.PORT, path: DISCORD_INTERACTIONS_PATH, publicKey: e.DISCORD_PUBLIC_KEY!.toLowerCase() } : undefined,
          gateway: e.EASEL_DISCORD_GATEWAY === 'on',
        }
      : undefined,
    slack: e.SLACK_BOT_TOKEN
      ? { botToken: e.SLACK_BOT_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET, apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`, appToken: e.SLACK_APP_TOKEN, port: e.PORT, requestTimeoutMs: e.EASEL_PLATFORM_TIMEOUT_MS }
      : undefined,
    slackDistribution: e.SLACK_CLIENT_ID
      ? {
          clientId: e.SLACK_CLIENT_ID,
          clientSecret: e.SLACK_CLIENT_SECRET!,
          stateSecret: e.SLACK_STATE_SECRET!,
          signingSecret: e.SLACK_SIGNING_SECRET!,
          tokenKey: parseTokenKey(e.EASEL_TOKEN_KEY!)!,
          authorizeUrl: e.SLACK_AUTHORIZE_URL,
          redirectUrl: e.SLACK_REDIRECT_URL,
          apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
          port: e.PORT,
          requestTimeoutMs: e.EASEL_PLATFORM_TIMEOUT_MS,
        }
      : undefined,
    assets: { source: assetsSource ? path.resolve(root, assetsSource) : undefined, mirror: e.EASEL_ASSETS_URL, weightsDir: path.resolve(root, e.EASEL_WEIGHTS_DIR), presetsDir: path.resolve(root, e.EASEL_PRESETS_DIR) },
    render: { defaultSize: e.EASEL_DEFAULT_SIZE, maxSize: e.EASEL_MAX_SIZE, defaultQuality: e.EASEL_DEFAULT_QUALITY, engine: e.EASEL_ENGINE, backend: e.EASEL_BACKEND, onnxProviders: e.EASEL_ONNX_PROVIDERS.length ? e.EASEL_ONNX_PROVIDERS : undefined },
    worker: { concurrency: e.EASEL_WORKER_CONCURRENCY },
    jobs: { attempts: e.EASEL_JOB_ATTEMPTS, lockMs: e.EASEL_JOB_LOCK_MS, stalledIntervalMs: e.EASEL_STALLED_INTERVAL_MS, shutdownGraceMs: e.EASEL_SHUTDOWN_GRACE_MS, deadlineS: e.EASEL_JOB_DEADLINE_S, maxIterations: e.EASEL_MAX_ITERATIONS },
    limits: {
      userMaxJobs: e.EASEL_USER_MAX_JOBS,
      userCooldownS: e.EASEL_USER_COOLDOWN_S,
      maxWaiting: e.EASEL_MAX_WAITING,
      serverMaxWaiting: e.EASEL_SERVER_MAX_WAITING,
      maxUploadBytes: e.EASEL_MAX_UPLOAD_BYTES,
      maxInputPixels: e.EASEL_MAX_INPUT_PIXELS,
      downloadTimeoutMs: e.EASEL_DOWNLOAD_TIMEOUT_MS,
      decodeMemoryBytes: e.EASEL_DECODE_MAX_MEMORY_MB * 1024 * 1024,
      decodeTimeoutMs: e.EASEL_DECODE_TIMEOUT_S * 1000,
    },
    blobs: {
      store: e.EASEL_BLOB_STORE,
      ttlS: e.EASEL_BLOB_TTL_S,
      pendingTtlS: e.EASEL_PENDING_BLOB_TTL_S,
      pendingBudgetBytes: e.EASEL_PENDING_BLOB_BUDGET_BYTES,
      sweepS: e.EASEL_BLOB_SWEEP_S,
      s3:
        e.EASEL_BLOB_STORE === 's3'
          ? { endpoint: e.EASEL_S3_ENDPOINT, bucket: e.EASEL_S3_BUCKET!, region: e.EASEL_S3_REGION, forcePathStyle: e.EASEL_S3_FORCE_PATH_STYLE, timeoutMs: e.EASEL_S3_TIMEOUT_MS }
          : undefined,
    },
    delivery: {
      ...DELIVERY_DEFAULTS,
      sweepMs: e.EASEL_DELIVERY_SWEEP_MS,
      claimMs: e.EASEL_DELIVERY_CLAIM_MS,
      deadlineMs: e.EASEL_DELIVERY_DEADLINE_MS,
      attempts: e.EASEL_DELIVERY_ATTEMPTS,
      editIntervalMs: e.EASEL_EDIT_INTERVAL_MS,
      editsPerSecond: { discord: e.EASEL_DISCORD_EDITS_PER_S },
      statusLockMs: e.EASEL_STATUS_LOCK_MS,
    },
    animation: { maxFrames: e.EASEL_GIF_MAX_FRAMES, maxFramePixels: e.EASEL_GIF_MAX_FRAME_PIXELS, maxEvaluations: e.EASEL_GIF_MAX_EVALUATIONS },
    ops: {
      metricsPort: e.EASEL_METRICS_PORT,
      host: e.EASEL_OPS_HOST,
      dashboard: e.EASEL_DASHBOARD && e.EASEL_DASHBOARD_PASSWORD ? { user: e.EASEL_DASHBOARD_USER, password: e.EASEL_DASHBOARD_PASSWORD, readOnly: e.EASEL_DASHBOARD_READ_ONLY } : undefined,
    },
  };
}

/** "host:port" or "[v6]:port" (validated by the schema) → parts. */
function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

/** Every environment variable Easel reads (the schema's keys); `.env.example` documents each. */
export const ENV_VARS: readonly string[] = Object.keys(schema.shape);
