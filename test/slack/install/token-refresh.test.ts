/**
 * Token rotation across processes: three "processes" (own Redis connection, own store) ask for a
 * workspace's token at once while it is inside the refresh window — exactly one refresh grant
 * reaches Slack (the fake), no refresh token is presented twice, and all three get the new token.
 * A refresh Slack refuses: the old token is used while it lasts, then TokenRefreshFailed — on an
 * injected clock (time is the subject: nothing waits for a token to expire).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisInstallationStore } from '../../../src/chat/slack/install/installation-store.ts';
import { freshInstallation, REFRESH_AHEAD_S, RETRY_FAILED_REFRESH_MS, TokenRefreshFailed } from '../../../src/chat/slack/install/token-refresh.ts';
import { FakeSlack } from '../../fakes/slack/fake-slack.ts';
import { TEST_REDIS_URL, testRedis, type TestRedis } from '../../helpers/redis.ts';

describe('Slack token refresh under a shared Redis lock', () => {
  let r: TestRedis;
  let fake: FakeSlack;
  const processes: Redis[] = [];
  const oauth = { clientId: '111.222', clientSecret: 'client-secret', redirectUrl: 'http://127.0.0.1:1/slack/oauth_redirect', expiresIn: 60 };
  const key = randomBytes(32);

  beforeAll(async () => {
    r = await testRedis('slack-refresh');
    // The installed token lives 60 s, well inside the 2 h refresh window.
    fake = await FakeSlack.start({ botToken: 'xoxb-unused', oauth });
    fake.addWorkspace('TAAA', 'Workspace A');
  });
  afterAll(async () => {
    for (const p of processes) p.disconnect();
    await fake?.close();
    await r?.cleanup();
  });

  it('three processes at once: one refresh, zero reuse, everyone gets the new token', async () => {
    expect(oauth.expiresIn).toBeLessThan(REFRESH_AHEAD_S);
    // Install A for real through the fake's code grant.
    const res = await fetch(`${fake.baseUrl}oauth/v2/authorize?client_id=${oauth.clientId}&scope=chat:write&state=s&team=TAAA`, { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const grant = (await (await fetch(`${fake.apiUrl}oauth.v2.access`, { method: 'POST', body: new URLSearchParams({ code, client_id: oauth.clientId, client_secret: oauth.clientSecret }) })).json()) as { team: { id: string; name: string }; bot_user_id: string; access_token: string; refresh_token: string; expires_in: number };
    const first = new RedisInstallationStore(r.redis, r.prefix, key);
    await first.storeInstallation({ team: grant.team, enterprise: undefined, user: { id: 'U', token: undefined, scopes: undefined }, bot: { id: 'B', userId: grant.bot_user_id, token: grant.access_token, scopes: ['chat:write'], refreshToken: grant.refresh_token, expiresAt: Math.floor(Date.now() / 1000) + grant.expires_in }, tokenType: 'bot', isEnterpriseInstall: false, appId: 'A', authVersion: 'v2' });

    oauth.expiresIn = 12 * 60 * 60; // the refreshed token is good for 12 h, outside the window
    const query = { teamId: 'TAAA', enterpriseId: undefined, isEnterpriseInstall: false };
    const results = await Promise.all(
      [0, 1, 2].map(() => {
        const redis = new Redis(TEST_REDIS_URL);
        processes.push(redis);
        return freshInstallation({ redis, prefix: r.prefix, store: new RedisInstallationStore(redis, r.prefix, key), clientId: oauth.clientId, clientSecret: oauth.clientSecret, apiUrl: fake.apiUrl }, query);
      }),
    );
    const refreshes = fake.grants.filter((g) => g.grant === 'refresh_token');
    expect(refreshes).toEqual([{ grant: 'refresh_token', teamId: 'TAAA' }]); // one, and not refused (no reuse)
    const tokens = new Set(results.map((i) => i.bot?.token));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(grant.access_token);
    expect(fake.botTokensOf('TAAA').at(-1)).toBe([...tokens][0]);
    expect((await r.keys()).filter((k) => k.endsWith(':refresh-lock'))).toEqual([]);
  });

  it('a refused refresh: the old token while it lasts (no second try within the retry spacing), then TokenRefreshFailed', async () => {
    const t0 = Date.UTC(2026, 0, 1, 12);
    let clock = t0;
    const now = () => clock;
    const store = new RedisInstallationStore(r.redis, r.prefix, key);
    // A token that expires in 1 h (inside the 2 h refresh window) and a refresh token Slack refuses.
    const expiresAt = t0 / 1000 + 60 * 60;
    await store.storeInstallation({ team: { id: 'TBBB', name: 'Workspace B' }, enterprise: undefined, user: { id: 'U', token: undefined, scopes: undefined }, bot: { id: 'B', userId: 'UB', token: 'xoxb-old', scopes: ['chat:write'], refreshToken: 'xoxe-refused', expiresAt }, tokenType: 'bot', isEnterpriseInstall: false, appId: 'A', authVersion: 'v2' });
    const deps = { redis: r.redis, prefix: r.prefix, store, clientId: oauth.clientId, clientSecret: oauth.clientSecret, apiUrl: fake.apiUrl, now };
    const query = { teamId: 'TBBB', enterpriseId: undefined, isEnterpriseInstall: false };
    const refusedGrants = () => fake.grants.filter((g) => g.error === 'invalid_refresh_token').length;

    expect((await freshInstallation(deps, query)).bot?.token).toBe('xoxb-old');
    expect(refusedGrants()).toBe(1);
    // The failure is remembered in Redis for the retry spacing (observed, not waited for).
    const marker = (await r.keys()).find((k) => k.endsWith(':refresh-failed'))!;
    expect(await r.redis.pttl(marker)).toBeGreaterThan(RETRY_FAILED_REFRESH_MS - 5_000);

    clock = t0 + 30 * 60_000; // half an hour later, still before expiry: the old token, Slack not asked again
    expect((await freshInstallation(deps, query)).bot?.token).toBe('xoxb-old');
    expect(refusedGrants()).toBe(1);

    clock = expiresAt * 1000; // the token's expiry
    await expect(freshInstallation(deps, query)).rejects.toBeInstanceOf(TokenRefreshFailed);
    expect(refusedGrants()).toBe(1);

    await r.redis.del(marker); // the retry spacing is over: the next read tries Slack again
    await expect(freshInstallation(deps, query)).rejects.toBeInstanceOf(TokenRefreshFailed);
    expect(refusedGrants()).toBe(2);
  });
});
