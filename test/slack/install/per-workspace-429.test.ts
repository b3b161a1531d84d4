/**
 * Slack 429s are honoured per workspace: Web API clients are kept per token (workspaces.ts), so a
 * Retry-After on workspace A's call pauses A's client for that long while workspace B's calls go
 * on at once. Real WebClients against the fake, tokens issued through its code grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_RETRIES } from '../../../src/chat/slack/context.ts';
import { ClientsByToken } from '../../../src/chat/slack/workspaces.ts';
import { silentLogger } from '../../../src/log.ts';
import { FakeSlack } from '../../fakes/slack/fake-slack.ts';

let fake: FakeSlack;
const oauth = { clientId: '111.222', clientSecret: 'client-secret', redirectUrl: 'http://127.0.0.1:1/slack/oauth_redirect' };

/** A bot token for `team` through the fake's authorize page and code grant. */
async function installToken(team: string): Promise<string> {
  const res = await fetch(`${fake.baseUrl}oauth/v2/authorize?client_id=${oauth.clientId}&scope=chat:write&state=s&team=${team}`, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const grant = (await (await fetch(`${fake.apiUrl}oauth.v2.access`, { method: 'POST', body: new URLSearchParams({ code, client_id: oauth.clientId, client_secret: oauth.clientSecret }) })).json()) as { access_token: string };
  return grant.access_token;
}

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: 'xoxb-unused', oauth });
  fake.addWorkspace('TAAA');
  fake.addWorkspace('TBBB');
});
afterAll(async () => fake?.close());

describe('Retry-After per workspace', () => {
  it("A's 429 (Retry-After 1 s) holds A's next call a second; B's calls meanwhile are answered at once", async () => {
    const clients = new ClientsByToken({ apiUrl: fake.apiUrl, timeoutMs: 10_000, retries: SLACK_RETRIES, log: silentLogger });
    const a = clients.get(await installToken('TAAA')).client;
    const b = clients.get(await installToken('TBBB')).client;
    expect(clients.get(fake.botTokensOf('TAAA')[0]!).client).toBe(a); // one client per token

    fake.failWhen('chat.postMessage', (args) => args.channel === 'CTAAA', { status: 429, retryAfter: 1 });
    const posted = a.chat.postMessage({ channel: 'CTAAA', text: 'from A' });
    await fake.waitFor(() => fake.calls.find((c) => c.status === 429), "A's 429");
    const bDone = [];
    for (let i = 0; i < 3; i++) bDone.push(await b.chat.postMessage({ channel: 'CTBBB', text: `from B ${i}` }));
    await posted;

    const aCalls = fake.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CTAAA');
    const bCalls = fake.callsOf('chat.postMessage').filter((c) => c.args.channel === 'CTBBB');
    expect(aCalls.map((c) => c.status)).toEqual([429, 200]);
    expect(aCalls[1]!.at - aCalls[0]!.at).toBeGreaterThanOrEqual(1000); // Retry-After honoured
    expect(bCalls.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(Math.max(...bCalls.map((c) => c.at))).toBeLessThan(aCalls[1]!.at); // B was not held behind A
  });
});
