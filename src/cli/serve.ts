/**
 * `easel bot` (chat adapters), `easel worker` (renders) and `easel start` (both, one machine).
 *
 *   config → logger → assets verified → jobs client → worker? → adapters? → ops endpoints
 *   SIGTERM/SIGINT → adapters stop taking events → worker finishes or hands back its job → exit
 *
 * Adapters are imported lazily, so a worker never loads discord.js or Bolt; a platform without a
 * token is simply not started (one log line).
 */
import { loadConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { AssetsError, isUnpublishedAndMissing, verifyAssets } from '../assets/install.ts';
import type { RunningAdapter } from '../chat/types.ts';
import { createJobsClient, type EaselJobsClient } from '../jobs/client.ts';
import { createRedis } from '../jobs/redis.ts';
import { guardRedis } from '../jobs/redis-guard.ts';
import { startWorker, type RunningWorker } from '../jobs/worker.ts';
import { createMetrics } from '../ops/metrics.ts';
import { startOpsServer, type HealthCheck, type OpsServer } from '../ops/server.ts';
import { loadPresets } from '../presets/index.ts';
import { DailyQuota, ServerSettingsStore } from '../settings/index.ts';
import { planProvider } from '../engine/onnx/provider-deps.ts';
import { superviseWorkerProcess, type WorkerProcess } from './worker-process.ts';

export interface ServeOptions {
  bot: boolean;
  worker: boolean;
  /** Worker concurrency override (`easel worker --concurrency n`). */
  concurrency?: number;
  /** A worker running in a child process (`easel start`), reported by /healthz. */
  workerProcess?: WorkerProcess;
  /** This process is `easel start`'s worker child: it stops on its parent's SIGTERM and ignores SIGINT. */
  supervised?: boolean;
}

export interface Services {
  jobs: EaselJobsClient;
  worker?: RunningWorker;
  adapters: RunningAdapter[];
  ops: OpsServer;
  /** Graceful, in order: adapters, worker, ops endpoints, queue connections. */
  close(): Promise<void>;
}

export async function runServe(opts: ServeOptions): Promise<void> {
  const config = loadConfig();
  const role = opts.bot && opts.worker ? 'start' : opts.bot ? 'bot' : 'worker';
  const log = createLogger({ level: config.log.level, pretty: config.log.pretty, name: `easel-${role}` });
  // Files published nowhere (test references, docs) may be absent on an install from the public sources.
  const problems = (await verifyAssets(process.cwd())).filter((p) => !isUnpublishedAndMissing(p));
  if (problems.length) throw new AssetsError(problems, 'Run `npx easel assets` to install them.');

  // `easel start`: the worker runs in a child process so renders never stall the chat adapters.
  const workerProcess = role === 'start' ? superviseWorkerProcess({ concurrency: opts.concurrency, log: log.child({ part: 'worker-process' }) }) : undefined;
  const services = await startServices(config, log, workerProcess ? { ...opts, worker: false, workerProcess } : opts).catch(async (err: unknown) => {
    await workerProcess?.stop(config.jobs.shutdownGraceMs);
    throw err;
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'shutting down gracefully (send again to force)');
      Promise.all([services.close(), workerProcess?.stop(config.jobs.shutdownGraceMs + 5000)]).then(() => resolve(), (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    // A supervised worker shares the terminal's process group: Ctrl-C reaches it too, but its parent
    // decides when it stops (one SIGTERM, then the grace period), so SIGINT is ignored here.
    if (opts.supervised) process.on('SIGINT', () => log.debug('SIGINT ignored: the parent process stops this worker'));
    else process.on('SIGINT', stop);
  });
  log.info('stopped');
  // Libraries may leave sockets or timers behind; everything that mattered is closed.
  process.exit(0);
}

/** Start what `opts` asks for; the caller owns shutdown (runServe wires it to signals; tests call close). */
export async function startServices(config: Config, log: Logger, opts: ServeOptions): Promise<Services> {
  const metrics = createMetrics();
  // The GPU is checked before anything renders: a worker that asked for cuda alone refuses to
  // start with the missing library's name; `auto` falls back to the CPU with one warning.
  const plan = opts.worker ? planProvider(config.render.onnxProviders, config.render.engine) : undefined;
  if (plan) {
    for (const f of plan.fallbacks) log.warn({ provider: f.provider, missing: f.missing, fix: f.fix }, `ONNX provider ${f.provider} cannot load, rendering on ${plan.provider}: ${f.reason}`);
    metrics.engineInfo.set({ engine: plan.engine, provider: plan.provider }, 1);
  }
  // Settings that would lose jobs are refused before anything is queued (an unreachable Redis is
  // not: the bot waits for it).
  const guard = createRedis(config, 'guard', { log });
  try {
    await guardRedis(guard, log);
  } finally {
    guard.disconnect();
  }
  const presets = opts.bot ? await loadPresets(config.assets.presetsDir, { weightsDir: config.assets.weightsDir }) : undefined;
  const jobs = await createJobsClient(config, log.child({ part: 'jobs' }), { presets, metrics });
  const adapters: RunningAdapter[] = [];
  let worker: RunningWorker | undefined;
  let ops: OpsServer | undefined;
  let settings: { store: ServerSettingsStore; quota: DailyQuota; redis: ReturnType<typeof createRedis> } | undefined;

  const close = async () => {
    await Promise.allSettled(adapters.map((a) => a.close()));
    if (settings) {
      await settings.store.close();
      settings.redis.disconnect();
    }
    await worker?.close();
    await ops?.close();
    await jobs.close();
  };

  try {
    if (opts.worker) worker = await startWorker(config, { metrics, concurrency: opts.concurrency }, log.child({ part: 'worker' }));

    if (opts.bot) {
      // Per-server settings: one connection for reads and quotas, one subscribed to changes made
      // by other bot processes (so a change takes effect on the next request everywhere).
      const settingsRedis = createRedis(config, 'settings', { log, failFast: true });
      settings = { redis: settingsRedis, store: new ServerSettingsStore(settingsRedis, config.redis.prefix), quota: new DailyQuota(settingsRedis, config.redis.prefix) };
      await settings.store.listen(createRedis(config, 'settings-events', { log }));
      const deps = { config, jobs, presets: presets!, log: log.child({ part: 'chat' }), settings };
      if (config.discord) {
        const { startDiscordAdapter } = await import('../chat/discord/index.ts');
        adapters.push(await startDiscordAdapter({ ...deps, log: deps.log.child({ platform: 'discord' }) }));
      } else log.info('Discord: DISCORD_TOKEN is not set, not started');
      if (config.slack || config.slackDistribution) {
        // One workspace (SLACK_BOT_TOKEN) or distribution mode (SLACK_CLIENT_ID …: one installation per workspace).
        const { startSlackAdapter } = await import('../chat/slack/index.ts');
        adapters.push(await startSlackAdapter({ ...deps, log: deps.log.child({ platform: 'slack' }) }));
      } else log.info('Slack: neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID is set, not started');
      if (!adapters.length && !opts.worker && !opts.workerProcess) throw new Error('neither DISCORD_TOKEN nor SLACK_BOT_TOKEN is set — no chat platform to serve (see .env.example)');
      if (!adapters.length) log.warn('no chat platform configured: running the worker only');
    }

    const checks: HealthCheck[] = [];
    if (worker) {
      const w = worker;
      checks.push({ name: 'worker', check: async () => ({ ok: w.isRunning(), id: w.id, concurrency: w.concurrency, active: w.activeJobs(), engine: plan?.engine, provider: plan?.provider }) });
    }
    if (opts.workerProcess) {
      const wp = opts.workerProcess;
      checks.push({ name: 'worker', check: async () => ({ ok: wp.isRunning(), pid: wp.pid, process: 'child' }) });
    }
    if (opts.bot) checks.push({ name: 'bot', check: async () => ({ ok: true, platforms: adapters.map((a) => a.platform) }) });
    ops = await startOpsServer({
      port: config.ops.metricsPort,
      host: config.ops.host,
      metrics,
      redisPing: () => jobs.ping(),
      checks,
      dashboard: config.ops.dashboard ? { ...config.ops.dashboard, queues: [jobs.queue] } : undefined,
      log: log.child({ part: 'ops' }),
    });
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }

  log.info({ worker: worker?.id, platforms: adapters.map((a) => a.platform), opsPort: ops.port }, 'easel is running');
  return { jobs, worker, adapters, ops, close };
}
