/**
 * Token rotation shared by every process: a workspace's bot token is refreshed ahead of expiry
 * (REFRESH_AHEAD_S) under a Redis lock, and whoever gets the lock re-reads the installation first —
 * so one expiry produces exactly one `oauth.v2.access` refresh grant and a refresh token is never
 * presented twice (two refreshes would leave one process with a dead refresh token:
 * slackapi/node-slack-sdk#2504). Processes that wait get the token the winner stored.
 *
 * Bolt's own refresh (InstallProvider.authorize refreshes on every process, unlocked) never runs:
 * Bolt reads installations through `LockedRefreshStore`, which hands it a token refreshed here and
 * no refresh token to refresh with.
 *
 * A failed refresh is logged once per RETRY_FAILED_REFRESH_MS with a "reinstall" hint; the current
 * token is used while it still works (the refresh runs 2 h ahead), after that the workspace's calls
 * fail with `TokenRefreshFailed` (its users are told: ../listeners/errors.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { webApi } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from '../../../log.ts';
import { describeError } from '../../../util/describe-error.ts';
import { installationKey, type RedisInstallationStore } from './installation-store.ts';

export const REFRESH_AHEAD_S = 2 * 60 * 60;
/** After a failed refresh, processes use the old token (while it lasts) this long before trying again. */
export const RETRY_FAILED_REFRESH_MS = 60_000;
const LOCK_MS = 15_000;
const WAIT_STEP_MS = 50;

type AnyInstallation = Installation<'v1' | 'v2', boolean>;

export interface RefreshDeps {
  redis: Redis;
  prefix: string;
  store: RedisInstallationStore;
  clientId: string;
  clientSecret: string;
  apiUrl: string;
  timeoutMs?: number;
  log?: Logger;
  /** The clock (ms), for tests. */
  now?: () => number;
}

/** The workspace's token expired and could not be refreshed: only a reinstall brings it back. */
export class TokenRefreshFailed extends Error {
  override readonly name = 'TokenRefreshFailed';
  constructor(
    readonly teamId: string | undefined,
    readonly enterpriseId: string | undefined,
    readonly reason: string,
  ) {
    super(`the Slack token of ${teamId ?? enterpriseId} expired and could not be refreshed (${reason}); reinstall Easel in that workspace`);
  }
}

export function isTokenRefreshFailed(err: unknown): err is TokenRefreshFailed {
  return err instanceof Error && err.name === 'TokenRefreshFailed';
}

const expiring = (i: AnyInstallation, nowS: number) => i.bot?.refreshToken !== undefined && i.bot.expiresAt !== undefined && i.bot.expiresAt - nowS <= REFRESH_AHEAD_S;
const expired = (i: AnyInstallation, nowS: number) => i.bot?.expiresAt !== undefined && i.bot.expiresAt <= nowS;

/** The Redis key the installation `i` is stored under (the org's for an org-wide install). */
const recordKey = (prefix: string, i: AnyInstallation) => installationKey(prefix, { isEnterpriseInstall: i.isEnterpriseInstall, enterpriseId: i.enterprise?.id, teamId: i.team?.id });

/** The installation with a bot token good for at least REFRESH_AHEAD_S (refreshing it at most once across processes). */
export async function freshInstallation(deps: RefreshDeps, query: InstallationQuery<boolean>): Promise<AnyInstallation> {
  const now = deps.now ?? Date.now;
  for (;;) {
    const current = await deps.store.fetchInstallation(query);
    const nowS = Math.floor(now() / 1000);
    if (!expiring(current, nowS)) return current;
    const key = recordKey(deps.prefix, current);
    // A refresh failed a moment ago: use the token while it lasts instead of hammering Slack.
    const failed = await deps.redis.get(`${key}:refresh-failed`);
    if (failed !== null) {
      if (!expired(current, nowS)) return current;
      throw new TokenRefreshFailed(current.team?.id, current.enterprise?.id, failed);
    }
    const lockKey = `${key}:refresh-lock`;
    const owner = randomUUID();
    if ((await deps.redis.set(lockKey, owner, 'PX', LOCK_MS, 'NX')) === 'OK') {
      try {
        // Re-read under the lock: another process may have refreshed between our read and the lock.
        const latest = await deps.store.fetchInstallation(query);
        if (!expiring(latest, Math.floor(now() / 1000))) return latest;
        try {
          return await refresh(deps, latest);
        } catch (err) {
          const described = describeError(err);
          const reason = String(described.code ?? described.message);
          await deps.redis.set(`${key}:refresh-failed`, reason, 'PX', RETRY_FAILED_REFRESH_MS);
          deps.log?.error({ team: latest.team?.id, enterprise: latest.enterprise?.id, reason, hint: 'reinstall Easel in this workspace (its /slack/install page) if this persists' }, 'slack: token refresh failed — reinstall Easel in this workspace if it persists');
          if (!expired(latest, Math.floor(now() / 1000))) return latest;
          throw new TokenRefreshFailed(latest.team?.id, latest.enterprise?.id, reason);
        }
      } finally {
        // Release only our own lock (it may have expired and been taken by another).
        await deps.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, lockKey, owner);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
}

async function refresh(deps: RefreshDeps, latest: AnyInstallation): Promise<AnyInstallation> {
  const client = new webApi.WebClient(undefined, { slackApiUrl: deps.apiUrl, timeout: deps.timeoutMs, retryConfig: { retries: 0 } });
  const res = (await client.oauth.v2.access({ client_id: deps.clientId, client_secret: deps.clientSecret, grant_type: 'refresh_token', refresh_token: latest.bot!.refreshToken! })) as { access_token?: string; refresh_token?: string; expires_in?: number };
  if (!res.access_token || !res.refresh_token || res.expires_in === undefined) throw new Error('oauth.v2.access refresh answered without a token');
  const refreshed = { ...latest, bot: { ...latest.bot!, token: res.access_token, refreshToken: res.refresh_token, expiresAt: Math.floor((deps.now ?? Date.now)() / 1000) + res.expires_in } };
  await deps.store.storeInstallation(refreshed);
  deps.log?.info({ team: latest.team?.id, enterprise: latest.enterprise?.id }, 'slack: bot token refreshed');
  return refreshed;
}

/**
 * The installation store Bolt sees: installs and uninstalls go straight to Redis; every read gets a
 * token refreshed under the shared lock, without its refresh token, so Bolt's InstallProvider has
 * nothing to refresh on its own.
 */
export class LockedRefreshStore implements InstallationStore {
  constructor(private readonly deps: RefreshDeps) {}

  storeInstallation<AuthVersion extends 'v1' | 'v2'>(installation: Installation<AuthVersion, boolean>): Promise<void> {
    return this.deps.store.storeInstallation(installation);
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<AnyInstallation> {
    const fresh = await freshInstallation(this.deps, query);
    return { ...fresh, bot: fresh.bot ? { ...fresh.bot, refreshToken: undefined, expiresAt: undefined } : undefined, user: { ...fresh.user, refreshToken: undefined, expiresAt: undefined } };
  }

  deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    return this.deps.store.deleteInstallation(query);
  }
}
