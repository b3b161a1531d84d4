/**
 * The chat delivery core: the presenter driving Slack's port against the fake Slack Web API through
 * a real WebClient — a status shown when asked (pacing is the jobs layer's: test/jobs/status-updates),
 * a 429 on a status handed back as RetryAfter, a final written through a 429 (waits on an injected
 * clock), a final refused for good thrown back, the first status handed to the jobs layer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { createJobPresenter } from '../../src/chat/common/delivery/presenter.ts';
import { createStatusClient } from '../../src/chat/slack/context.ts';
import { slackPort } from '../../src/chat/slack/delivery.ts';
import { singleWorkspace } from '../../src/chat/slack/workspaces.ts';
import type { UploadRecords } from '../../src/chat/slack/upload-record.ts';
import type { ThreadStyles } from '../../src/chat/slack/thread-style.ts';
import { RetryAfter, type JobEvent, type JobsClient, type StatusUpdate } from '../../src/jobs/types.ts';
import { silentLogger } from '../../src/log.ts';
import { StyleRequest } from '../../src/requests/style-request.ts';
import { FakeSlack } from '../fakes/slack/fake-slack.ts';

const BOT_TOKEN = 'xoxb-delivery-core-test';
let fake: FakeSlack;
let client: webApi.WebClient;

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl });
});
afterAll(async () => fake.close());

function presenter() {
  const slack = { botToken: BOT_TOKEN, apiUrl: fake.apiUrl, port: 0, requestTimeoutMs: 5000 };
  const port = slackPort({
    workspaces: singleWorkspace({ token: BOT_TOKEN, client, statusClient: createStatusClient(slack, silentLogger), self: {} }),
    jobs: {} as JobsClient,
    uploads: {} as UploadRecords, // status edits only: no result is uploaded here
    threadsOf: () => ({}) as ThreadStyles,
    presets: { get: () => undefined, all: () => [] },
    render: { defaultQuality: 'fast', defaultSize: 48, maxSize: 64 },
    log: silentLogger,
  });
  const shown: Array<{ jobId: string; status: StatusUpdate }> = [];
  const waits: number[] = [];
  const p = createJobPresenter({
    port,
    log: silentLogger,
    showStatus: async (jobId, status) => void shown.push({ jobId, status }),
    // The injected clock: a Retry-After wait is recorded, not slept.
    sleep: async (ms) => void waits.push(ms),
  });
  return Object.assign(p, { shown, waits });
}

let seq = 0;
async function job(): Promise<{ jobId: string; request: StyleRequest; ts: string }> {
  const res = await client.chat.postMessage({ channel: 'CSTATUS', text: 'starting' });
  const ts = res.ts as string;
  const request = StyleRequest.parse({
    requestId: `r-${++seq}`,
    platform: 'slack',
    user: { id: 'U1', name: 'Ada' },
    replyTo: { channel: 'CSTATUS', threadTs: ts, statusTs: ts, userId: 'U1' },
    content: { key: 'blob-key-0001', width: 10, height: 10 },
    style: { kind: 'preset', presetId: 'the-scream' },
    options: {},
  });
  return { jobId: `slack-${seq}`, request, ts };
}

const progress = (j: { jobId: string; request: StyleRequest }, percent: number): JobEvent => ({ type: 'progress', jobId: j.jobId, request: j.request, progress: { step: percent, total: 100, stage: 'painting', percent } });
const updatesOf = (ts: string) => fake.callsOf('chat.update').filter((c) => c.args.ts === ts);
const messageOf = (ts: string) => fake.messages.find((m) => m.ts === ts)!;

describe('presenter with Slack\'s port (fake Slack)', () => {
  it('shows a status when the jobs layer hands it one, and resolves once Slack took it', async () => {
    const p = presenter();
    const j = await job();
    await p.handle(progress(j, 35));
    expect(updatesOf(j.ts).map((u) => u.status)).toEqual([200]);
    expect(messageOf(j.ts).text).toContain('35%');
  });

  it('hands a 429 on a status edit back as RetryAfter with Slack\'s wait', async () => {
    const p = presenter();
    const j = await job();
    fake.failNext('chat.update', { status: 429, retryAfter: 2 });
    const refused = await p.handle(progress(j, 10)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(RetryAfter);
    expect((refused as RetryAfter).afterMs).toBe(2000);
    expect(messageOf(j.ts).text).not.toContain('10%');
  });

  it('writes a final state through a 429 after Slack\'s wait', async () => {
    const p = presenter();
    const j = await job();
    await p.handle(progress(j, 10));
    fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    await p.handle({ type: 'cancelled', jobId: j.jobId, request: j.request });
    expect(p.waits).toEqual([1000]);
    expect(updatesOf(j.ts).map((u) => u.status)).toEqual([200, 429, 200]);
    expect(messageOf(j.ts).text).toContain('Cancelled');
  });

  it('throws when a final state is refused for good, so the jobs layer retries it', async () => {
    const p = presenter();
    const j = await job();
    const gone = { ...j.request, replyTo: { channel: 'CSTATUS', threadTs: '1.000000', statusTs: '1.000000', userId: 'U1' } };
    await expect(p.handle({ type: 'failed', jobId: 'slack-gone', request: gone, userMessage: 'nope', reason: 'render: x' })).rejects.toThrow();
    expect(p.waits).toEqual([]);
  });

  it('hands the first status (place in line, or painting) to the jobs layer; nothing for a cached result', async () => {
    const p = presenter();
    const j = await job();
    p.showSubmitted(j.jobId, j.request.replyTo, { state: 'queued', position: 3, etaMs: 5000, workersOnline: 1 });
    p.showSubmitted('slack-started', j.request.replyTo, { state: 'queued', position: 0 });
    p.showSubmitted('slack-cached', j.request.replyTo, { state: 'cached', position: 0 });
    p.showSubmitted('slack-elsewhere', { channelId: 'not slack' }, { state: 'queued', position: 2 });
    await Promise.resolve();
    expect(p.shown).toEqual([
      { jobId: j.jobId, status: { type: 'queued', position: 3, etaMs: 5000, workersOnline: 1 } },
      { jobId: 'slack-started', status: { type: 'active' } },
    ]);
    expect(updatesOf(j.ts)).toEqual([]);
  });
});
