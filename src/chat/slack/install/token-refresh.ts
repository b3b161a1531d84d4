/**
 * Token rotation shared by every process: a workspace's bot token is refreshed ahead of expiry
 * (REFRESH_AHEAD_S) under a Redis lock, and whoever gets the lock re-reads the installation first —
 * so one expiry produces exactly one `oauth.v2.access` refresh grant and a refresh token is never
 * presented twice (two refreshes would leave one process with a dead refresh token:
 * slackapi/node-slack-sdk#2504). Processes that wait get the token the winner stored.
 */
import { randomUUID } from 'node:crypto';
import type { Installation, InstallationQuery } from '@slack/bolt';
import { webApi } from '@slack/bolt';
import type { Redis } from 'ioredis';
import { installationKey, type RedisInstallationStore } from './installation-store.ts';

export const REFRESH_AHEAD_S = 2 * 60 * 60;
const LOCK_MS = 15_000;
const WAIT_STEP_MS = 50;

export interface RefreshDeps {
  redis: Redis;
  prefix: string;
  store: RedisInstallationStore;
  clientId: string;
  clientSecret: string;
  apiUrl: string;
  timeoutMs?: number;
}

const expiring = (i: Installation<'v1' | 'v2', boolean>, nowS: number) => i.bot?.refreshToken !== undefined && i.bot.expiresAt !== undefined && i.bot.expiresAt - nowS <= REFRESH_AHEAD_S;

/** The installation with a bot token good for at least REFRESH_AHEAD_S (refreshing it at most once across processes). */
export async function freshInstallation(deps: RefreshDeps, query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
  const lockKey = `${installationKey(deps.prefix, query)}:refresh-lock`;
  for (;;) {
    const current = await deps.store.fetchInstallation(query);
    if (!expiring(current, Math.floor(Date.now() / 1000))) return current;
    const owner = randomUUID();
    if ((await deps.redis.set(lockKey, owner, 'PX', LOCK_MS, 'NX')) === 'OK') {
      try {
        // Re-read under the lock: another process may have refreshed between our read and the lock.
        const latest = await deps.store.fetchInstallation(query);
        if (!expiring(latest, Math.floor(Date.now() / 1000))) return latest;
        const client = new webApi.WebClient(undefined, { slackApiUrl: deps.apiUrl, timeout: deps.timeoutMs, retryConfig: { retries: 0 } });
        const res = (await client.oauth.v2.access({ client_id: deps.clientId, client_secret: deps.clientSecret, grant_type: 'refresh_token', refresh_token: latest.bot!.refreshToken! })) as { access_token?: string; refresh_token?: string; expires_in?: number };
        if (!res.access_token || !res.refresh_token || res.expires_in === undefined) throw new Error('oauth.v2.access refresh answered without a token');
        const refreshed = { ...latest, bot: { ...latest.bot!, token: res.access_token, refreshToken: res.refresh_token, expiresAt: Math.floor(Date.now() / 1000) + res.expires_in } };
        await deps.store.storeInstallation(refreshed);
        return refreshed;
      } finally {
        // Release only our own lock (it may have expired and been taken by another).
        await deps.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, lockKey, owner);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
}
