/**
 * The chat delivery core: the one edit throttle (coalescing, interval, Retry-After, finals after the
 * edit in flight), and the presenter driving Slack's port against the fake Slack Web API through a
 * real WebClient (429 + Retry-After on chat.update, a final state written through it).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { createEditThrottle } from '../../src/chat/common/delivery/edit-throttle.ts';
import { createJobPresenter } from '../../src/chat/common/delivery/presenter.ts';
import { createStatusClient } from '../../src/chat/slack/context.ts';
import { slackPort } from '../../src/chat/slack/delivery.ts';
import { singleWorkspace } from '../../src/chat/slack/workspaces.ts';
import type { UploadRecords } from '../../src/chat/slack/upload-record.ts';
import type { ThreadStyles } from '../../src/chat/slack/thread-style.ts';
import type { JobEvent, JobsClient } from '../../src/jobs/types.ts';
import { silentLogger } from '../../src/log.ts';
import { StyleRequest } from '../../src/requests/style-request.ts';
import { FakeSlack } from '../fakes/slack/fake-slack.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Time is the subject here: the throttle runs on fake timers (setTimeout and Date.now), so every
// interval is checked to the millisecond and no test sleeps.
describe('edit throttle', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('sends the first state at once, then only the newest, spaced by the interval', async () => {
    const sent: { state: number; at: number }[] = [];
    const t = createEditThrottle<number>({ minIntervalMs: 150, send: async (_k, state) => void sent.push({ state, at: Date.now() }) });
    for (let i = 1; i <= 10; i++) t.update('m', i);
    await advance(0);
    expect(sent.map((s) => s.state)).toEqual([1]);
    await advance(149);
    expect(sent.map((s) => s.state)).toEqual([1]);
    await advance(1);
    expect(sent.map((s) => s.state)).toEqual([1, 10]);
    expect(sent[1].at - sent[0].at).toBe(150);
    await advance(1000);
    expect(sent.map((s) => s.state)).toEqual([1, 10]);
  });

  it('keeps one edit in flight; what arrives meanwhile collapses into one edit after it', async () => {
    const sent: number[] = [];
    let release!: () => void;
    const t = createEditThrottle<number>({
      minIntervalMs: 50,
      // The first edit hangs like a request waiting out a 429.
      send: (_k, state) => (sent.push(state), state === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve()),
    });
    t.update('m', 1);
    for (let i = 2; i <= 6; i++) t.update('m', i);
    await advance(10_000);
    expect(sent).toEqual([1]);
    release();
    await advance(50);
    expect(sent).toEqual([1, 6]);
    await advance(1000);
    expect(sent).toEqual([1, 6]);
  });

  it('runs the final edit after the one in flight, drops pending progress, ignores late updates', async () => {
    const log: string[] = [];
    const t = createEditThrottle<string>({
      minIntervalMs: 50,
      send: async (_k, s) => {
        await new Promise((r) => setTimeout(r, 80));
        log.push(s);
      },
    });
    t.update('m', 'p1');
    t.update('m', 'p2'); // pending while p1 is in flight: must never be sent
    const finished = t.finish('m', async () => void log.push('final'));
    await advance(79);
    expect(log).toEqual([]);
    await advance(1000);
    await finished;
    t.update('m', 'late progress');
    await advance(1000);
    expect(log).toEqual(['p1', 'final']);
  });

  it('skips a state equal to the last one sent and keeps messages independent', async () => {
    const sent: string[] = [];
    const t = createEditThrottle<string>({ minIntervalMs: 30, send: async (k, s) => void sent.push(`${k}:${s}`) });
    t.update('a', 'x');
    t.update('b', 'x');
    await advance(0);
    expect(sent).toEqual(['a:x', 'b:x']);
    t.update('a', 'x');
    t.update('b', 'y');
    await advance(1000);
    expect(sent).toEqual(['a:x', 'b:x', 'b:y']);
  });

  it('reports a failed edit and carries on', async () => {
    const errors: unknown[] = [];
    const sent: number[] = [];
    const t = createEditThrottle<number>({
      minIntervalMs: 20,
      send: async (_k, s) => {
        if (s === 1) throw new Error('boom');
        sent.push(s);
      },
      onError: (_k, e) => errors.push(e),
    });
    t.update('m', 1);
    await advance(0);
    expect(errors).toHaveLength(1);
    t.update('m', 2);
    await advance(20);
    expect(errors).toHaveLength(1);
    expect(sent).toEqual([2]);
  });
  it('waits Retry-After when an edit is refused with it, then sends the newest state', async () => {
    const sent: { state: number; at: number }[] = [];
    let refused = false;
    const t = createEditThrottle<number>({
      minIntervalMs: 10,
      send: async (_k, state) => {
        if (!refused) {
          refused = true;
          throw Object.assign(new Error('429'), { retryAfterMs: 300 });
        }
        sent.push({ state, at: Date.now() });
      },
      retryAfterMs: (err) => (err as { retryAfterMs?: number }).retryAfterMs,
    });
    const start = Date.now();
    t.update('m', 1);
    await advance(299);
    expect(sent).toEqual([]);
    await advance(1);
    expect(sent).toEqual([{ state: 1, at: start + 300 }]); // the refused state is retried when nothing newer came
  });
});

const BOT_TOKEN = 'xoxb-delivery-core-test';
let fake: FakeSlack;
let client: webApi.WebClient;

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl });
});
afterAll(async () => fake.close());

function presenter(minIntervalMs: number) {
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
  return createJobPresenter({ port, log: silentLogger, minIntervalMs });
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
  it('throttles a burst of progress into a few updates that end on the latest state', async () => {
    const p = presenter(300);
    const j = await job();
    for (let i = 1; i <= 20; i++) await p.handle(progress(j, i * 5));
    await fake.waitFor(() => messageOf(j.ts).text.includes('100%'), 'the last state');
    const updates = updatesOf(j.ts);
    expect(updates.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < updates.length; i++) expect(updates[i].at - updates[i - 1].at).toBeGreaterThanOrEqual(250);
  });

  it('survives a 429 on chat.update: waits Retry-After, then writes the newest state only', async () => {
    const p = presenter(100);
    const j = await job();
    fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    await p.handle(progress(j, 10));
    await fake.waitFor(() => updatesOf(j.ts).length === 1, 'the rate-limited update');
    await p.handle(progress(j, 20));
    await p.handle(progress(j, 40));
    await fake.waitFor(() => messageOf(j.ts).text.includes('40%'), 'the coalesced state');
    const updates = updatesOf(j.ts);
    expect(updates.map((u) => u.status)).toEqual([429, 200]);
    expect(updates[1].at - updates[0].at).toBeGreaterThanOrEqual(950);
  });

  it('writes a final state through a 429, and ignores progress that arrives after it', async () => {
    const p = presenter(100);
    const j = await job();
    await p.handle(progress(j, 10));
    fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    const cancelled = p.handle({ type: 'cancelled', jobId: j.jobId, request: j.request });
    await p.handle(progress(j, 50));
    await cancelled;
    await p.handle(progress(j, 60));
    await sleep(400);
    expect(messageOf(j.ts).text).toContain('Cancelled');
    expect(messageOf(j.ts).history.map((h) => h.text).join('|')).not.toMatch(/50%|60%/);
  });

  it('throws when a final state is refused for good, so the jobs layer retries it', async () => {
    const p = presenter(100);
    const j = await job();
    const gone = { ...j.request, replyTo: { channel: 'CSTATUS', threadTs: '1.000000', statusTs: '1.000000', userId: 'U1' } };
    await expect(p.handle({ type: 'failed', jobId: 'slack-gone', request: gone, userMessage: 'nope', reason: 'render: x' })).rejects.toThrow();
  });
});
