/**
 * Slack distribution mode: two workspaces installed through the real flow — Bolt's InstallProvider
 * on the bot's HTTP port, the admin's browser steps as HTTP requests, the fake's authorize page and
 * oauth.v2.access — and then a slash command from each workspace answered with that workspace's
 * own token (Bolt's authorize() reading the encrypted Redis store).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distributionAppOptions } from '../../../src/chat/slack/install/oauth.ts';
import { registerUninstall } from '../../../src/chat/slack/install/uninstall.ts';
import { BOT_SCOPES } from '../../../src/chat/slack/install/scopes.ts';
import { pino } from 'pino';
import { createLogger } from '../../../src/log.ts';
import { FakeSlack } from '../../fakes/slack/fake-slack.ts';
import { SignedSender } from '../../fakes/slack/signed-sender.ts';
import { testRedis, type TestRedis } from '../../helpers/redis.ts';

const SIGNING = 'signing-secret';
const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');

describe('Slack distribution mode: install two workspaces through the real OAuth flow', () => {
  let r: TestRedis;
  let fake: FakeSlack;
  const apps: App[] = [];
  const ports: number[] = [];
  /** What the uninstall listener logged (pino JSON lines), to check for error-level noise. */
  const logged: Array<{ level: number; msg: string }> = [];
  const captured = pino({ level: 'debug' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  const oauth = { clientId: '111.222', clientSecret: 'client-secret', redirectUrl: '' };

  beforeAll(async () => {
    r = await testRedis('slack-oauth');
    fake = await FakeSlack.start({ botToken: 'xoxb-single-workspace-unused', oauth });
    fake.addWorkspace('TAAA', 'Workspace A');
    fake.addWorkspace('TBBB', 'Workspace B');
    const config = r.config({
      SLACK_CLIENT_ID: oauth.clientId,
      SLACK_CLIENT_SECRET: oauth.clientSecret,
      SLACK_STATE_SECRET: 'state-secret',
      SLACK_SIGNING_SECRET: SIGNING,
      EASEL_TOKEN_KEY: randomBytes(32).toString('base64'),
      SLACK_API_URL: fake.apiUrl,
      SLACK_AUTHORIZE_URL: `${fake.baseUrl}oauth/v2/authorize`,
    });
    const dist = config.slackDistribution!;
    // Two bot processes sharing Redis: the install starts on one and may come back on the other.
    for (let i = 0; i < 2; i++) {
      const options = distributionAppOptions(dist, r.redis, r.prefix, createLogger({ level: 'silent' }));
      const app = new App({ ...options, clientOptions: { slackApiUrl: dist.apiUrl } });
      registerUninstall(app, options.installationStore, captured);
      app.command('/stylize', async ({ ack, client, command }) => {
        await ack();
        await client.chat.postMessage({ channel: command.channel_id, text: `hello ${command.team_id}` });
      });
      const server = (await app.start(0)) as Server;
      apps.push(app);
      ports.push((server.address() as AddressInfo).port);
    }
    oauth.redirectUrl = `http://127.0.0.1:${ports[1]}/slack/oauth_redirect`;
  });

  afterAll(async () => {
    for (const app of apps) await app.stop();
    await fake?.close();
    await r?.cleanup();
  });

  /** The admin's browser: open the install page on process 0, click "Add to Slack", approve, land on process 1. */
  async function install(team: string): Promise<{ page: string; status: number }> {
    const start = await fetch(`http://127.0.0.1:${ports[0]}/slack/install`);
    expect(start.status).toBe(200);
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/=/);
    const html = await start.text();
    expect(html).toContain('Add Easel to your Slack workspace');
    const href = unescapeHtml(/href="([^"]+)"/.exec(html)![1]!);
    const approve = await fetch(`${href}&team=${team}`, { redirect: 'manual' });
    expect(approve.status).toBe(302);
    const back = await fetch(approve.headers.get('location')!, { headers: { cookie } });
    return { page: await back.text(), status: back.status };
  }

  it('serves the install page, asks for exactly BOT_SCOPES, and stores each workspace encrypted', async () => {
    const a = await install('TAAA');
    const b = await install('TBBB');
    expect(a.page).toContain('Easel is ready in Workspace A');
    expect(b.page).toContain('Easel is ready in Workspace B');

    const visit = fake.authorizeVisits[0]!;
    expect(visit.get('client_id')).toBe(oauth.clientId);
    expect(visit.get('scope')!.split(',').sort()).toEqual([...BOT_SCOPES].sort());
    expect(visit.get('redirect_uri')).toBeNull(); // no SLACK_REDIRECT_URL: Slack uses the app's own
    expect(fake.grants.filter((g) => g.grant === 'authorization_code' && !g.error).map((g) => g.teamId)).toEqual(['TAAA', 'TBBB']);

    const stored = (await r.keys()).filter((k) => k.includes(':slack:install:'));
    expect(stored).toHaveLength(2);
    for (const k of stored) expect(await r.redis.get(k)).not.toMatch(/xoxb-/);
  });

  it('answers a command from each workspace with that workspace’s own token', async () => {
    const sender = new SignedSender(`http://127.0.0.1:${ports[1]}/slack/events`, SIGNING);
    for (const team of ['TAAA', 'TBBB']) {
      const res = await sender.command({ team_id: team, user_id: `U${team}1`, channel_id: `C${team}`, text: 'help' });
      expect(res.status).toBe(200);
    }
    await fake.waitFor(() => fake.messages.length >= 2, 'both replies');
    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => [c.args.channel, fake.teamOfToken(c.token)])).toEqual([
      ['CTAAA', 'TAAA'],
      ['CTBBB', 'TBBB'],
    ]);
  });

  it("the fake serves a workspace's file only with that workspace's token, and counts any other try", async () => {
    const file = fake.hostFile(Buffer.from('photo of A'), 'a.png', 'image/png', { teamId: 'TAAA' });
    const [tokenA] = fake.botTokensOf('TAAA');
    const [tokenB] = fake.botTokensOf('TBBB');
    const withA = await fetch(file.url_private, { headers: { authorization: `Bearer ${tokenA}` } });
    expect(Buffer.from(await withA.arrayBuffer()).toString()).toBe('photo of A');
    const withB = await fetch(file.url_private, { headers: { authorization: `Bearer ${tokenB}` } });
    expect(await withB.text()).toContain('Sign in to Slack');
    expect(fake.downloads.filter((d) => d.fileTeam && d.tokenTeam && d.fileTeam !== d.tokenTeam)).toEqual([{ fileId: file.id, authorized: false, fileTeam: 'TAAA', tokenTeam: 'TBBB' }]);
  });

  it('shows the failure page when the state cookie is missing (link opened in another browser)', async () => {
    const start = await fetch(`http://127.0.0.1:${ports[0]}/slack/install`);
    const href = unescapeHtml(/href="([^"]+)"/.exec(await start.text())![1]!);
    const approve = await fetch(`${href}&team=TAAA`, { redirect: 'manual' });
    const back = await fetch(approve.headers.get('location')!);
    expect(await back.text()).toContain("Easel couldn't be added this time");
  });

  it('a workspace that never installed gets nothing', async () => {
    const before = fake.calls.length;
    const sender = new SignedSender(`http://127.0.0.1:${ports[0]}/slack/events`, SIGNING);
    await sender.command({ team_id: 'TNOPE', user_id: 'UX', channel_id: 'CX', text: 'help' });
    expect(fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
    expect(logged.filter((l) => l.level >= 50)).toEqual([]); // no error line, just an info
    expect(logged.some((l) => l.msg.includes('without an installation ignored'))).toBe(true);
  });

  it('app_uninstalled deletes that workspace only: its next command gets nothing, the other still answered', async () => {
    const sender = new SignedSender(`http://127.0.0.1:${ports[0]}/slack/events`, SIGNING);
    const envelope = { token: 'x', team_id: 'TAAA', api_app_id: 'A0EASEL', type: 'event_callback', event_id: 'EvUninstall1', event_time: Math.floor(Date.now() / 1000), event: { type: 'app_uninstalled', event_ts: '1.1' }, authorizations: [{ team_id: 'TAAA', user_id: 'UTAAABOT', is_bot: true }] };
    expect((await sender.post(JSON.stringify(envelope), 'application/json')).status).toBe(200);
    for (let i = 0; i < 100 && (await r.keys()).some((k) => k.endsWith(':team:TAAA')); i++) await new Promise((res) => setTimeout(res, 20));
    expect((await r.keys()).filter((k) => k.includes(':slack:install:')).map((k) => k.split(':').at(-1))).toEqual(['TBBB']);

    const before = fake.calls.length;
    await sender.command({ team_id: 'TAAA', user_id: 'UTAAA1', channel_id: 'CTAAA', text: 'help' });
    await sender.command({ team_id: 'TBBB', user_id: 'UTBBB1', channel_id: 'CTBBB', text: 'help' });
    await fake.waitFor(() => fake.calls.slice(before).some((c) => c.method === 'chat.postMessage'), 'the reply in B');
    const posts = fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => fake.teamOfToken(c.token))).toEqual(['TBBB']);
  });
});
