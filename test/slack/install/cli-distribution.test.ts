/**
 * `easel bot` in Slack distribution mode as an operator runs it: a child process configured only by
 * its environment (no SLACK_BOT_TOKEN), an admin installing Easel through its /slack/install page,
 * a command from that workspace answered with the workspace's token, a clean stop on SIGTERM — and
 * none of the app's secrets, the token key, or any issued token in its logs (at debug level).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '../../helpers/redis.ts';
import { spawnEaselBot, type EaselBotProcess } from '../../helpers/easel-bot-process.ts';
import { FakeSlack } from '../../fakes/slack/fake-slack.ts';
import { SignedSender } from '../../fakes/slack/signed-sender.ts';

const SECRETS = { SLACK_CLIENT_SECRET: 'cli-client-secret-9f8e7d', SLACK_STATE_SECRET: 'cli-state-secret-1a2b3c', SLACK_SIGNING_SECRET: 'cli-signing-secret-4d5e6f', EASEL_TOKEN_KEY: randomBytes(32).toString('base64') };
const oauth = { clientId: '333.444', clientSecret: SECRETS.SLACK_CLIENT_SECRET, redirectUrl: '', expiresIn: 12 * 3600 };
const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');

let fake: FakeSlack;
let redis: TestRedis;
let bot: EaselBotProcess;

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: 'xoxb-single-workspace-unused', oauth });
  fake.addWorkspace('TCLI', 'Cli Workspace');
  redis = await testRedis('slack-cli-dist');
  bot = spawnEaselBot(redis.env({ LOG_LEVEL: 'debug', SLACK_CLIENT_ID: oauth.clientId, ...SECRETS, SLACK_API_URL: fake.apiUrl, SLACK_AUTHORIZE_URL: `${fake.baseUrl}oauth/v2/authorize`, PORT: '0', EASEL_METRICS_PORT: '0' }));
});

afterAll(async () => {
  if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
  await fake.close();
  await redis.cleanup();
});

describe('easel bot (Slack distribution mode)', () => {
  it('serves the install, answers the installed workspace with its token, stops on SIGTERM, logs no secret', async () => {
    const started = await bot.waitForOutput(/"port":(\d+)[^\n]*slack: adapter started/);
    const base = `http://127.0.0.1:${started[1]}`;
    oauth.redirectUrl = `${base}/slack/oauth_redirect`;

    const page = await fetch(`${base}/slack/install`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const href = unescapeHtml(/href="([^"]+)"/.exec(await page.text())![1]!);
    const approve = await fetch(`${href}&team=TCLI`, { redirect: 'manual' });
    const done = await fetch(approve.headers.get('location')!, { headers: { cookie } });
    expect(await done.text()).toContain('Easel is ready in Cli Workspace');

    const sender = new SignedSender(`${base}/slack/events`, SECRETS.SLACK_SIGNING_SECRET);
    const res = await sender.command({ team_id: 'TCLI', user_id: 'UTCLI1', channel_id: 'CTCLI', text: 'help' });
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('`starry-night`') });
    const gallery = await fake.waitFor(() => fake.callsOf('files.completeUploadExternal').find((c) => c.args.channel_id === 'DUTCLI1'), 'the gallery in a DM');
    expect(fake.teamOfToken(gallery.token)).toBe('TCLI');

    bot.child.kill('SIGTERM');
    expect(await bot.exit).toBe(0);
    expect(bot.output()).toContain('slack: adapter stopped');
    for (const secret of [...Object.values(SECRETS), ...fake.botTokensOf('TCLI')]) expect(bot.output()).not.toContain(secret);
    expect(bot.output()).not.toMatch(/xox[bpe]-/);
  });
});
