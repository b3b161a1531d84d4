/**
 * Logging in: every REST call goes to DISCORD_API_BASE and the gateway URL comes from GET
 * /gateway/bot there — or from DISCORD_GATEWAY_URL when set (a gateway proxy).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loginWithIntentFallback } from '../../src/chat/discord/client.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

let fake: FakeDiscord | undefined;
afterEach(async () => {
  await fake?.close();
});

describe('login', () => {
  it('asks DISCORD_API_BASE for the gateway and connects where it says', async () => {
    fake = await new FakeDiscord().start();
    const config = loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase }, REPO_ROOT);
    const { client, messageContent } = await loginWithIntentFallback(config.discord!, silentLogger, () => undefined);
    try {
      expect(messageContent).toBe(true);
      expect(client.user?.id).toBe(fake.bot.id);
      expect(fake.requestsMatching('GET', /^\/gateway\/bot$/)[0].auth).toBe(`Bot ${fake.token}`);
      expect(fake.identifies.filter((i) => i.accepted)).toHaveLength(1);
    } finally {
      await client.destroy();
    }
  });

  it('connects to DISCORD_GATEWAY_URL instead of the advertised gateway when set', async () => {
    // The advertised gateway leads nowhere: only the override can work.
    fake = await new FakeDiscord({ advertisedGateway: 'ws://127.0.0.1:9/nowhere' }).start();
    const config = loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase, DISCORD_GATEWAY_URL: fake.gatewayUrl }, REPO_ROOT);
    const { client } = await loginWithIntentFallback(config.discord!, silentLogger, () => undefined);
    try {
      expect(client.isReady()).toBe(true);
      expect(fake.identifies.filter((i) => i.accepted)).toHaveLength(1);
    } finally {
      await client.destroy();
    }
  });

  it('fails clearly with a wrong token', async () => {
    fake = await new FakeDiscord().start();
    const config = loadConfig({ DISCORD_TOKEN: 'not-the-token', DISCORD_API_BASE: fake.apiBase }, REPO_ROOT);
    await expect(loginWithIntentFallback(config.discord!, silentLogger, () => undefined)).rejects.toThrow(/token/i);
  });
});
