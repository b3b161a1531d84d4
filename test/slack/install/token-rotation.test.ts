/**
 * Token rotation in distribution mode across three bot processes (`easel bot` ×3, one renders):
 * a workspace's token enters its refresh window mid-run, and events and deliveries on all three
 * processes at once produce exactly one refresh grant at Slack, no refresh token presented twice,
 * and every job delivered exactly once — with the new token. Then a refresh that Slack refuses
 * (the token already expired): logged with the reinstall hint, and the person running a command
 * is told politely through its response_url; nothing else is posted, nothing logged as an error storm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisInstallationStore } from '../../../src/chat/slack/install/installation-store.ts';
import { WORDING } from '../../../src/requests/wording.ts';
import { photoBytes, waitForUpload } from '../harness.ts';
import { startDistributionStack, until, type DistributionStack } from './distribution-stack.ts';

const TEAM = 'TAAA';
const CHANNEL = `C${TEAM}`;
const logLines: string[] = [];
let s: DistributionStack;
let store: RedisInstallationStore;
const query = { teamId: TEAM, enterpriseId: undefined, isEnterpriseInstall: false };

beforeAll(async () => {
  s = await startDistributionStack({ teams: [TEAM], bots: 3, expiresIn: 12 * 3600, logLines });
  store = new RedisInstallationStore(s.redis.redis, s.redis.prefix, s.config.slackDistribution!.tokenKey);
  expect(await s.install(TEAM)).toContain('Easel is ready');
});
afterAll(async () => s?.close());

/** The stored token's expiry moves to `inS` seconds from now (what time does to a rotating token). */
async function expireIn(inS: number): Promise<void> {
  const installation = await store.fetchInstallation(query);
  await store.storeInstallation({ ...installation, bot: { ...installation.bot!, expiresAt: Math.floor(Date.now() / 1000) + inS } });
}

let seq = 0;
/** `@Easel the-scream` with a photo, in the workspace, delivered to bot process `bot`; resolves with the thread. */
async function mention(bot: number): Promise<string> {
  const file = s.fake.hostFile(await photoBytes(), 'dancer.jpg', 'image/jpeg', { teamId: TEAM });
  const { mention: event } = s.fake.userMessage({ channel: CHANNEL, user: `U${TEAM}R${++seq}`, text: `<@U${TEAM}BOT> the-scream size=32`, files: [file] });
  expect((await s.bots[bot]!.sender.event(event, { teamId: TEAM })).status).toBe(200);
  return event.ts as string;
}

const refreshGrants = () => s.fake.grants.filter((g) => g.grant === 'refresh_token');
const uploadsIn = (thread: string) => s.fake.uploads.filter((u) => u.channel === CHANNEL && u.threadTs === thread);

describe('Slack token rotation across three bot processes', () => {
  it('a token expiring mid-run: exactly one refresh, zero reuse, every job delivered once with the new token', async () => {
    const before = await Promise.all([0, 1, 2].map(mention));
    for (const t of before) await waitForUpload(s.fake, CHANNEL, t);
    expect(refreshGrants()).toEqual([]);
    const [installed] = s.fake.botTokensOf(TEAM);

    await expireIn(60); // now inside the 2 h refresh window
    const after = await Promise.all([0, 1, 2, 0, 1, 2].map(mention));
    for (const t of after) await waitForUpload(s.fake, CHANNEL, t);

    expect(refreshGrants()).toEqual([{ grant: 'refresh_token', teamId: TEAM }]); // one, and not refused: no reuse
    const tokens = s.fake.botTokensOf(TEAM);
    expect(tokens).toHaveLength(2);
    const refreshed = tokens[1]!;
    for (const t of [...before, ...after]) expect(uploadsIn(t)).toHaveLength(1);
    // Everything about the later jobs went out with the refreshed token.
    const laterCalls = s.fake.calls.filter((c) => after.includes(c.args.thread_ts) || after.includes(c.args.ts));
    expect(laterCalls.length).toBeGreaterThan(after.length);
    expect(new Set(laterCalls.map((c) => c.token))).toEqual(new Set([refreshed]));
    expect(installed).not.toBe(refreshed);
    expect((await store.fetchInstallation(query)).bot?.token).toBe(refreshed);
  });

  it('a refresh Slack refuses: logged with the reinstall hint, the user told politely, no error storm', async () => {
    await expireIn(-10); // expired, and the refresh will be refused
    s.fake.failNext('oauth.v2.access', { error: 'invalid_refresh_token' });
    const postsBefore = s.fake.callsOf('chat.postMessage').length;
    const exchangesBefore = s.fake.callsOf('oauth.v2.access').length;
    const linesBefore = logLines.length;

    const responseUrl = s.fake.responseUrl();
    await s.bots[1]!.sender.command({ team_id: TEAM, user_id: `U${TEAM}X`, channel_id: CHANNEL, text: 'the-scream', response_url: responseUrl });
    const told = await s.fake.waitFor(() => s.fake.responses.find((r) => responseUrl.endsWith(`/${r.id}`)), 'the reply through response_url');
    expect(told.body).toEqual({ response_type: 'ephemeral', text: WORDING.reinstallNeeded });
    // A mention cannot be answered without a token: it is dropped, and a second refresh is not tried at once.
    await mention(2);
    await until(() => logLines.slice(linesBefore).filter((l) => l.includes('needs a reinstall')).length >= 2, 'both events logged');

    expect(s.fake.callsOf('chat.postMessage').length).toBe(postsBefore);
    expect(s.fake.callsOf('oauth.v2.access').length).toBe(exchangesBefore + 1); // the refused refresh, tried once
    const lines = logLines.slice(linesBefore).map((l) => JSON.parse(l) as { level: number; msg: string; hint?: string });
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual(['slack: token refresh failed — reinstall Easel in this workspace if it persists']);
    expect(lines.filter((l) => l.level >= 40).every((l) => /reinstall/.test(`${l.msg} ${l.hint}`))).toBe(true);
    expect(logLines.join('\n')).not.toMatch(/xox[bpe]-/);
  });
});
