/**
 * The status board against the fake Slack Web API through a real WebClient: throttling,
 * coalescing, 429 + Retry-After, final states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { chatUpdateFn, StatusBoard } from '../../src/chat/slack/status-board.ts';
import { createStatusClient } from '../../src/chat/slack/context.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeSlack } from '../fakes/slack/fake-slack.ts';

const BOT_TOKEN = 'xoxb-status-board-test';
let fake: FakeSlack;
let client: webApi.WebClient;

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl });
});
afterAll(async () => fake.close());

function board(minIntervalMs: number) {
  const slack = { botToken: BOT_TOKEN, apiUrl: fake.apiUrl, port: 0 };
  return new StatusBoard(chatUpdateFn(createStatusClient(slack, silentLogger)), { minIntervalMs, log: silentLogger });
}

async function statusMessage(): Promise<{ channel: string; ts: string }> {
  const res = await client.chat.postMessage({ channel: 'CSTATUS', text: 'starting' });
  return { channel: 'CSTATUS', ts: res.ts as string };
}

const updatesOf = (t: { ts: string }) => fake.callsOf('chat.update').filter((c) => c.args.ts === t.ts);
const messageOf = (t: { ts: string }) => fake.messages.find((m) => m.ts === t.ts)!;

describe('StatusBoard', () => {
  it('throttles a burst of progress into a few updates that end on the latest state', async () => {
    const b = board(300);
    const t = await statusMessage();
    for (let i = 0; i < 20; i++) b.show(t, { text: `step ${i}` });
    await fake.waitFor(() => messageOf(t).text === 'step 19', 'the last state');
    const updates = updatesOf(t);
    expect(updates.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < updates.length; i++) expect(updates[i].at - updates[i - 1].at).toBeGreaterThanOrEqual(250);
  });

  it('survives a 429 on chat.update: waits Retry-After, then writes the newest state only', async () => {
    const b = board(100);
    const t = await statusMessage();
    fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    b.show(t, { text: 'queued' });
    await fake.waitFor(() => updatesOf(t).length === 1, 'the rate-limited update');
    b.show(t, { text: 'painting 10%' });
    b.show(t, { text: 'painting 40%' });
    await fake.waitFor(() => messageOf(t).text === 'painting 40%', 'the coalesced state');
    const updates = updatesOf(t);
    expect(updates.map((u) => u.status)).toEqual([429, 200]);
    expect(updates[1].at - updates[0].at).toBeGreaterThanOrEqual(950);
    expect(messageOf(t).history.map((h) => h.text)).toEqual(['starting', 'painting 40%']);
  });

  it('retries the refused state after Retry-After when nothing newer came', async () => {
    const b = board(100);
    const t = await statusMessage();
    fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    b.show(t, { text: 'queued at 2' });
    await fake.waitFor(() => messageOf(t).text === 'queued at 2', 'the retried state');
    expect(updatesOf(t).map((u) => u.status)).toEqual([429, 200]);
  });

  it('writes a final state through a 429, and ignores progress that arrives after it', async () => {
    const b = board(100);
    const t = await statusMessage();
    b.show(t, { text: 'painting' });
    fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    const written = b.finish(t, { text: 'done' });
    b.show(t, { text: 'late progress' });
    expect(await written).toBe(true);
    b.show(t, { text: 'later progress' });
    await new Promise((r) => setTimeout(r, 400));
    expect(messageOf(t).text).toBe('done');
    expect(messageOf(t).history.map((h) => h.text)).not.toContain('late progress');
    expect(messageOf(t).history.map((h) => h.text)).not.toContain('later progress');
  });

  it('gives up on a final state Slack refuses for good, without throwing', async () => {
    const b = board(100);
    expect(await b.finish({ channel: 'CSTATUS', ts: '1.000000' }, { text: 'done' })).toBe(false);
  });
});
