/**
 * The Bolt app: HTTP receiver (signing secret verified, stale requests refused — Bolt does both) or
 * Socket Mode when SLACK_APP_TOKEN is set; in distribution mode the HTTP receiver also serves the
 * install flow and authorizes each event with its workspace's installation (install/oauth.ts).
 * Every Web API call, including Socket Mode's apps.connections.open, goes to SLACK_API_URL.
 */
import { App } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';
import { slackLoggerFrom } from './bolt-logger.ts';
import { SLACK_RETRIES, type SlackConfig } from './context.ts';
import { distributionAppOptions, type DistributionConfig } from './install/oauth.ts';
import type { LockedRefreshStore } from './install/token-refresh.ts';
import type { RefreshDeps } from './install/token-refresh.ts';

export type SlackMode = 'http' | 'socket';

export function slackMode(slack: SlackConfig): SlackMode {
  return slack.appToken ? 'socket' : 'http';
}

export function createBoltApp(slack: SlackConfig, log: Logger): App {
  const socket = slackMode(slack) === 'socket';
  if (!socket && !slack.signingSecret) throw new Error('SLACK_SIGNING_SECRET is required for Slack over HTTP (or set SLACK_APP_TOKEN for Socket Mode)');
  return new App({
    token: slack.botToken,
    ...(socket ? { socketMode: true, appToken: slack.appToken } : { signingSecret: slack.signingSecret }),
    clientOptions: { slackApiUrl: slack.apiUrl, timeout: slack.requestTimeoutMs, retryConfig: SLACK_RETRIES },
    logger: slackLoggerFrom(log),
    // Ack first, work after: events and commands are answered well within Slack's 3 s.
    processBeforeResponse: false,
  });
}

/** Distribution mode: HTTP only (Socket Mode is not allowed for distributed apps; config.ts refuses it). */
export function createDistributionApp(dist: DistributionConfig, redis: Redis, prefix: string, log: Logger): { app: App; store: LockedRefreshStore; refresh: RefreshDeps } {
  const { refresh, ...options } = distributionAppOptions(dist, redis, prefix, log);
  const app = new App({
    ...options,
    clientOptions: { slackApiUrl: dist.apiUrl, timeout: dist.requestTimeoutMs, retryConfig: SLACK_RETRIES },
    processBeforeResponse: false,
  });
  return { app, store: options.installationStore, refresh };
}
