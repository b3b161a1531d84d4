/**
 * Distribution mode's part of the Bolt App options: Bolt's own InstallProvider serves
 * `/slack/install` and `/slack/oauth_redirect` on the HTTP receiver (PORT), signs the OAuth state
 * with SLACK_STATE_SECRET (stateless, so the two steps may land on different processes), exchanges
 * the code through SLACK_API_URL and keeps the installation in the encrypted Redis store; on every
 * event Bolt's authorize() looks the workspace's token up there.
 */
import type { AppOptions } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Config } from '../../../config.ts';
import type { Logger } from '../../../log.ts';
import { slackLoggerFrom } from '../bolt-logger.ts';
import { RedisInstallationStore } from './installation-store.ts';
import { LockedRefreshStore, type RefreshDeps } from './token-refresh.ts';
import { failurePage, installPage, successPage } from './pages.ts';
import { BOT_SCOPES } from './scopes.ts';

export type DistributionConfig = NonNullable<Config['slackDistribution']>;

export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

/** How tokens are refreshed (token-refresh.ts), for Bolt's authorize() and for deliveries alike. */
export function refreshDeps(dist: DistributionConfig, redis: Redis, redisPrefix: string, log: Logger): RefreshDeps {
  const store = new RedisInstallationStore(redis, redisPrefix, dist.tokenKey);
  return { redis, prefix: redisPrefix, store, clientId: dist.clientId, clientSecret: dist.clientSecret, apiUrl: dist.apiUrl, timeoutMs: dist.requestTimeoutMs, log };
}

export function distributionAppOptions(dist: DistributionConfig, redis: Redis, redisPrefix: string, log: Logger, refresh = refreshDeps(dist, redis, redisPrefix, log)): AppOptions & { installationStore: LockedRefreshStore; refresh: RefreshDeps } {
  // Bolt reads installations through the locked refresh (never refreshing on its own).
  const installationStore = new LockedRefreshStore(refresh);
  return {
    refresh,
    logger: slackLoggerFrom(log),
    signingSecret: dist.signingSecret,
    clientId: dist.clientId,
    clientSecret: dist.clientSecret,
    stateSecret: dist.stateSecret,
    scopes: [...BOT_SCOPES],
    installationStore,
    // The error handler sees the request (install/authorize-errors.ts answers through its response_url).
    extendedErrorHandler: true,
    ...(dist.redirectUrl ? { redirectUri: dist.redirectUrl } : {}),
    installerOptions: {
      installPath: INSTALL_PATH,
      redirectUriPath: REDIRECT_PATH,
      authorizationUrl: dist.authorizeUrl,
      renderHtmlForInstallPath: installPage,
      clientOptions: { slackApiUrl: dist.apiUrl, timeout: dist.requestTimeoutMs },
      callbackOptions: {
        success(installation, _options, _req, res) {
          log.info({ team: installation.team?.id, enterprise: installation.enterprise?.id }, 'slack: installed in a workspace');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(successPage(installation.team?.name ?? installation.enterprise?.name));
        },
        failure(error, _options, _req, res) {
          // error.code only: the message of a failed exchange may carry request details.
          log.warn({ code: error.code }, 'slack: an install did not complete');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(failurePage(error.code));
        },
      },
    },
  };
}
