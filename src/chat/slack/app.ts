/**
 * The Bolt app: HTTP receiver (signing secret verified, stale requests refused — Bolt does both) or
 * Socket Mode when SLACK_APP_TOKEN is set. Every Web API call, including Socket Mode's
 * apps.connections.open, goes to SLACK_API_URL.
 */
import { App } from '@slack/bolt';
import type { Logger } from '../../log.ts';
import { slackLoggerFrom } from './bolt-logger.ts';
import { SLACK_RETRIES, type SlackConfig } from './context.ts';

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
