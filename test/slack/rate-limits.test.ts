/**
 * Within the rate limits of an app outside the Marketplace: with the fake's limit on
 * (conversations.replies / history at 1 request a minute), 20 paintings delivered within a minute
 * all arrive exactly once — the exactly-once check reads Easel's own upload record, not the thread.
 * Only a delivery retried after an attempt that failed around the upload reads the thread, once.
 * A `latest` refused by the limit is answered at once (attach the photo, or wait) without pausing
 * the workspace's other calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_USER_ID } from '../fakes/slack/fake-slack.ts';
import { CHANNEL, hostPhoto, newUser, startSlackStack, uploadsInThread, waitForUpload, type SlackStack } from './harness.ts';

let s: SlackStack;

beforeAll(async () => {
  // A failed delivery is retried by the next sweep (200 ms) instead of after 5 s.
  s = await startSlackStack({ env: { EASEL_DELIVERY_SWEEP_MS: '200' } });
  s.fake.limitThreadReads(60_000);
});
afterAll(async () => s?.close());

/** `@Easel the-scream` with a photo; resolves with the thread (the mention's ts). */
async function mention(): Promise<string> {
  const photo = await hostPhoto(s.fake);
  const { mention: event } = s.fake.userMessage({ channel: CHANNEL, user: newUser(), text: `<@${BOT_USER_ID}> the-scream size=32`, files: [photo] });
  expect((await s.sender.event(event)).status).toBe(200);
  return event.ts as string;
}

describe('Slack rate limits of a non-Marketplace app', () => {
  it('20 deliveries in a minute with the 1-per-minute read limit on: each arrives once, no thread read needed', async () => {
    const started = Date.now();
    const threads: string[] = [];
    for (let i = 0; i < 20; i++) threads.push(await mention());
    for (const t of threads) await waitForUpload(s.fake, CHANNEL, t);
    const elapsed = Date.now() - started;

    for (const t of threads) expect(uploadsInThread(s.fake, CHANNEL, t)).toHaveLength(1);
    expect(s.fake.callsOf('conversations.replies')).toHaveLength(0);
    expect(s.fake.readsLimited).toEqual([]);
    expect(elapsed).toBeLessThan(60_000);
  });

  it('a delivery retried after its upload failed reads the thread once, and the painting still arrives once', async () => {
    // Three 500s: the WebClient's own retries give up, the attempt fails, the jobs layer retries it.
    s.fake.failNext('files.completeUploadExternal', { status: 500 }, { status: 500 }, { status: 500 });
    const thread = await mention();
    await waitForUpload(s.fake, CHANNEL, thread);
    expect(uploadsInThread(s.fake, CHANNEL, thread)).toHaveLength(1);
    expect(s.fake.callsOf('conversations.replies').map((c) => c.args.ts)).toEqual([thread]);
    expect(s.fake.readsLimited).toEqual([]);
  });

  it('`latest` twice within a minute: the second asker is told at once to attach the photo, and nothing else of the workspace waits', async () => {
    const poster = newUser();
    s.fake.userMessage({ channel: CHANNEL, user: poster, text: 'our cat', files: [await hostPhoto(s.fake)] });
    const first = newUser();
    const url1 = s.fake.responseUrl();
    await s.sender.command({ user_id: first, channel_id: CHANNEL, text: 'udnie latest size=32', response_url: url1 });
    await s.fake.waitFor(() => responsesTo(url1).find((t) => t.includes(`<@${poster}>`)), 'the first asker told whose image');

    const second = newUser();
    const url2 = s.fake.responseUrl();
    await s.sender.command({ user_id: second, channel_id: CHANNEL, text: 'udnie latest', response_url: url2 });
    const told = await s.fake.waitFor(() => responsesTo(url2).find((t) => t.includes('once a minute')), 'the second asker told to wait', 20_000);
    expect(told).toMatch(/attach the photo to the command, or try again in about \d+ s/);
    expect(s.fake.readsLimited.map((r) => r.method)).toEqual(['conversations.history']);
    // The 429 paused nothing: the first asker's painting is uploaded meanwhile.
    await s.fake.waitFor(() => s.fake.uploads.find((u) => u.initialComment?.includes(`<@${first}>`)), "the first asker's painting", 20_000);
    expect(s.fake.callsOf('conversations.history')).toHaveLength(2); // no retry behind Slack's back
  });
});

const responsesTo = (url: string) => s.fake.responses.filter((r) => url.endsWith(`/respond/${r.id}`)).map((r) => String(r.body.text));
