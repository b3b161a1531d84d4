/**
 * Slack distribution mode, step 1: configuration, the declared scopes vs. the app manifests, and
 * the encrypted installation store on real Redis.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Installation } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SLACK_AUTHORIZE_URL, loadConfig } from '../../../src/config.ts';
import { RedisInstallationStore } from '../../../src/chat/slack/install/installation-store.ts';
import { BOT_SCOPES } from '../../../src/chat/slack/install/scopes.ts';
import { decryptSecret, encryptSecret } from '../../../src/chat/slack/install/token-crypto.ts';
import { testRedis, type TestRedis } from '../../helpers/redis.ts';

const KEY = randomBytes(32).toString('base64');
const DISTRIBUTION = { SLACK_CLIENT_ID: '111.222', SLACK_CLIENT_SECRET: 'client-secret', SLACK_STATE_SECRET: 'state-secret', SLACK_SIGNING_SECRET: 'signing', EASEL_TOKEN_KEY: KEY };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('distribution mode configuration', () => {
  it('is on with client id, secret and state secret; authorize URL defaults to Slack, redirect URL optional', () => {
    const c = loadConfig(DISTRIBUTION);
    expect(c.slack).toBeUndefined();
    expect(c.slackDistribution).toMatchObject({ clientId: '111.222', clientSecret: 'client-secret', stateSecret: 'state-secret', authorizeUrl: DEFAULT_SLACK_AUTHORIZE_URL, redirectUrl: undefined });
    expect(c.slackDistribution?.tokenKey.length).toBe(32);
    const custom = loadConfig({ ...DISTRIBUTION, SLACK_AUTHORIZE_URL: 'http://127.0.0.1:9/oauth/v2/authorize', SLACK_REDIRECT_URL: 'https://easel.example.com/slack/oauth_redirect' });
    expect(custom.slackDistribution).toMatchObject({ authorizeUrl: 'http://127.0.0.1:9/oauth/v2/authorize', redirectUrl: 'https://easel.example.com/slack/oauth_redirect' });
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).slackDistribution).toBeUndefined();
  });

  it('refuses to start without EASEL_TOKEN_KEY, or with a key that is not 32 bytes, naming the variable', () => {
    const { EASEL_TOKEN_KEY: _omit, ...noKey } = DISTRIBUTION;
    expect(problems(noKey).join('\n')).toMatch(/EASEL_TOKEN_KEY is required/);
    expect(problems({ ...DISTRIBUTION, EASEL_TOKEN_KEY: randomBytes(16).toString('base64') }).join('\n')).toMatch(/EASEL_TOKEN_KEY must be exactly 32 bytes/);
  });

  it('refuses distribution + SLACK_BOT_TOKEN and distribution + Socket Mode', () => {
    expect(problems({ ...DISTRIBUTION, SLACK_BOT_TOKEN: 'xoxb-1' }).join('\n')).toMatch(/SLACK_BOT_TOKEN must not be set with SLACK_CLIENT_ID/);
    expect(problems({ ...DISTRIBUTION, SLACK_APP_TOKEN: 'xapp-1' }).join('\n')).toMatch(/SLACK_APP_TOKEN \(Socket Mode\).*Socket Mode is not allowed/);
  });

  it('names each missing half of the OAuth credentials', () => {
    const found = problems({ SLACK_CLIENT_ID: '1', EASEL_TOKEN_KEY: KEY, SLACK_SIGNING_SECRET: 's' }).join('\n');
    expect(found).toMatch(/SLACK_CLIENT_SECRET is required/);
    expect(found).toMatch(/SLACK_STATE_SECRET is required/);
  });
});

describe('scopes are declared once', () => {
  for (const file of ['slack-manifest.json', 'slack-manifest-distribution.json']) {
    it(`commands/${file} requests exactly BOT_SCOPES`, () => {
      const manifest = JSON.parse(readFileSync(new URL(`../../../commands/${file}`, import.meta.url), 'utf8')) as { oauth_config: { scopes: { bot: string[] } } };
      expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
    });
  }

  it('the distribution manifest is HTTP-only, rotates tokens and subscribes to uninstall/revoke', () => {
    const m = JSON.parse(readFileSync(new URL('../../../commands/slack-manifest-distribution.json', import.meta.url), 'utf8'));
    expect(m.settings.socket_mode_enabled).toBe(false);
    expect(m.settings.token_rotation_enabled).toBe(true);
    expect(m.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['app_uninstalled', 'tokens_revoked']));
    expect(m.oauth_config.redirect_urls[0]).toMatch(/\/slack\/oauth_redirect$/);
  });
});

describe('token encryption (AES-256-GCM)', () => {
  it('round-trips, uses a fresh IV each time, and refuses a wrong key or a tampered record', () => {
    const key = randomBytes(32);
    const a = encryptSecret('xoxb-secret', key);
    const b = encryptSecret('xoxb-secret', key);
    expect(a).not.toBe(b);
    expect(a).not.toContain('xoxb-secret');
    expect(decryptSecret(a, key)).toBe('xoxb-secret');
    expect(() => decryptSecret(a, randomBytes(32))).toThrow();
    const parts = a.split(':');
    const body = Buffer.from(parts[3]!, 'base64');
    body[0] = body[0]! ^ 1;
    expect(() => decryptSecret([...parts.slice(0, 3), body.toString('base64')].join(':'), key)).toThrow();
  });
});

describe('RedisInstallationStore (real Redis)', () => {
  let r: TestRedis;
  beforeAll(async () => {
    r = await testRedis('slack-install');
  });
  afterAll(async () => {
    await r.cleanup();
  });

  const install = (team: string, token: string): Installation<'v2', false> => ({
    team: { id: team, name: `Team ${team}` },
    enterprise: undefined,
    user: { id: 'U_ADMIN', token: undefined, scopes: undefined },
    bot: { id: `B_${team}`, userId: `U_BOT_${team}`, token, scopes: [...BOT_SCOPES], refreshToken: `xoxe-1-${team}`, expiresAt: 1_900_000_000 },
    tokenType: 'bot',
    isEnterpriseInstall: false,
    appId: 'A1',
    authVersion: 'v2',
  });

  it('keeps one installation per workspace, tokens never in clear in Redis, and deletes one without touching the other', async () => {
    const key = randomBytes(32);
    const store = new RedisInstallationStore(r.redis, r.prefix, key);
    await store.storeInstallation(install('T_A', 'xoxb-token-of-A'));
    await store.storeInstallation(install('T_B', 'xoxb-token-of-B'));

    const a = await store.fetchInstallation({ teamId: 'T_A', enterpriseId: undefined, isEnterpriseInstall: false });
    const b = await store.fetchInstallation({ teamId: 'T_B', enterpriseId: undefined, isEnterpriseInstall: false });
    expect(a.bot?.token).toBe('xoxb-token-of-A');
    expect(b.bot?.token).toBe('xoxb-token-of-B');
    expect(b.bot?.refreshToken).toBe('xoxe-1-T_B');

    const keys = await r.keys();
    expect(keys.filter((k) => k.includes(':slack:install:'))).toHaveLength(2);
    for (const k of keys) {
      const raw = (await r.redis.get(k)) ?? '';
      expect(raw).not.toContain('xoxb-');
      expect(raw).not.toContain('xoxe-');
    }
    // Another process with another key cannot read it.
    await expect(new RedisInstallationStore(r.redis, r.prefix, randomBytes(32)).fetchInstallation({ teamId: 'T_A', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow();

    await store.deleteInstallation({ teamId: 'T_A', enterpriseId: undefined, isEnterpriseInstall: false });
    await expect(store.fetchInstallation({ teamId: 'T_A', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow(/no Slack installation for team T_A/);
    expect((await store.fetchInstallation({ teamId: 'T_B', enterpriseId: undefined, isEnterpriseInstall: false })).bot?.token).toBe('xoxb-token-of-B');
  });
});
