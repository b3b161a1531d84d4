/**
 * The Slack adapter: `startSlackAdapter(deps)` starts the Bolt app (HTTP or Socket Mode; in
 * distribution mode HTTP with the install flow), follows the jobs of Slack requests, and returns a
 * handle to close it.
 *
 *   listeners/commands  /stylize                  ─┐
 *   listeners/events    @Easel + photo, thread photo ├─► start-job.ts ─► jobs.submit
 *   listeners/views     the "Paint a photo" modal  ─┘
 *   listeners/actions   "Choose a photo…", Cancel
 *   delivery.ts         Slack's port of the delivery core: status message (chat.update), result upload (files.uploadV2)
 *   workspaces.ts       which token each call uses (one, or the workspace's installation)
 *   upload-record.ts, thread-style.ts   what the adapter keeps in Redis (uploads per job, thread styles)
 *   install/            distribution mode: OAuth install, encrypted installations, token rotation, uninstall
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { AdapterDeps, RunningAdapter } from '../types.ts';
import type { Logger } from '../../log.ts';
import { createRedis } from '../../jobs/redis.ts';
import { createBoltApp, createDistributionApp, slackMode, type SlackMode } from './app.ts';
import { createContext, createStatusClient, describeError, SLACK_RETRIES, type SlackConfig } from './context.ts';
import { dedupeEvents } from './dedupe.ts';
import { registerListeners } from './listeners/index.ts';
import { registerUninstall } from './install/uninstall.ts';
import { UploadRecords } from './upload-record.ts';
import { ThreadMemory } from './thread-style.ts';
import { freshInstallation } from './install/token-refresh.ts';
import { ClientsByToken, installedWorkspaces, singleWorkspace, type WorkspaceDirectory } from './workspaces.ts';

export interface SlackAdapter extends RunningAdapter {
  readonly platform: 'slack';
  readonly mode: SlackMode;
  /** Distribution mode: one installation per workspace (SLACK_CLIENT_ID …) instead of SLACK_BOT_TOKEN. */
  readonly distribution: boolean;
  /** The HTTP receiver's port (HTTP mode; useful with PORT=0). */
  readonly port?: number;
}

interface BoltSetup {
  app: App;
  workspaces: WorkspaceDirectory;
  mode: SlackMode;
}

/** Single-workspace mode: SLACK_BOT_TOKEN for every call; auth.test fails fast on a bad token and tells us our own ids. */
async function singleWorkspaceSetup(slack: SlackConfig, log: Logger): Promise<BoltSetup> {
  const mode = slackMode(slack);
  const app = createBoltApp(slack, log);
  const auth = await app.client.auth.test();
  const self = { botUserId: auth.user_id, botId: auth.bot_id };
  log.info({ team: auth.team, botUserId: self.botUserId, mode }, 'slack: authenticated');
  app.error(async (err) => {
    log.error({ err: describeError(err) }, 'slack: listener error');
  });
  return { app, mode, workspaces: singleWorkspace({ token: slack.botToken, client: app.client, statusClient: createStatusClient(slack, log), self }) };
}

/** Distribution mode: the install flow on the HTTP port, each workspace's token from its installation. */
function distributionSetup(deps: AdapterDeps, redis: Redis, log: Logger): BoltSetup {
  const dist = deps.config.slackDistribution!;
  const { app, store, refresh } = createDistributionApp(dist, redis, deps.config.redis.prefix, log);
  registerUninstall(app, store, log, {
    jobs: (team) => deps.jobs.dropServerJobs('slack', team),
    settings: deps.settings ? (team) => deps.settings!.store.remove({ platform: 'slack', serverId: team }) : undefined,
    quotas: deps.settings ? (team) => deps.settings!.quota.purge({ platform: 'slack', serverId: team }) : undefined,
  });
  const clients = new ClientsByToken({ apiUrl: dist.apiUrl, timeoutMs: dist.requestTimeoutMs, retries: SLACK_RETRIES, log });
  const workspaces = installedWorkspaces(clients, async (where) => {
    const installation = await freshInstallation(refresh, { teamId: where.teamId, enterpriseId: where.enterpriseId, isEnterpriseInstall: where.enterpriseInstall === true });
    if (!installation.bot?.token) throw new Error(`the Slack installation of ${where.teamId ?? where.enterpriseId} has no bot token`);
    return { token: installation.bot.token, botUserId: installation.bot.userId, botId: installation.bot.id };
  });
  log.info({ installPath: '/slack/install' }, 'slack: distribution mode (one installation per workspace)');
  return { app, mode: 'http', workspaces };
}

export async function startSlackAdapter(deps: AdapterDeps): Promise<SlackAdapter> {
  const { slack, slackDistribution } = deps.config;
  if (!slack && !slackDistribution) throw new Error('Slack is not configured: set SLACK_BOT_TOKEN (or SLACK_CLIENT_ID … for distribution mode)');
  const log = deps.log; // serve.ts binds { platform: 'slack' } already
  // The adapter's own connection: upload records (and, in distribution mode, the installations).
  const redis = createRedis(deps.config, 'slack', { log });
  let setup: BoltSetup;
  try {
    setup = slack ? await singleWorkspaceSetup(slack, log) : distributionSetup(deps, redis, log);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const { app, mode } = setup;

  const prefix = deps.config.redis.prefix;
  const stores = { uploads: new UploadRecords(redis, prefix), threads: new ThreadMemory({ redis, prefix, log }) };
  const ctx = createContext(deps, setup.workspaces, stores, log);
  app.use(dedupeEvents(log));
  registerListeners(app, ctx);
  await deps.jobs.subscribe('slack', ctx.presenter.handle);

  const started = await app.start(slack?.port ?? slackDistribution!.port);
  const port = mode === 'http' ? ((started as Server).address() as AddressInfo).port : undefined;
  log.info({ mode, port }, 'slack: adapter started');

  let closing: Promise<void> | undefined;
  return {
    platform: 'slack',
    mode,
    distribution: !slack,
    port,
    close() {
      closing ??= (async () => {
        await app.stop();
        await ctx.settle();
        await ctx.presenter.close();
        redis.disconnect();
        log.info('slack: adapter stopped');
      })();
      return closing;
    },
  };
}
