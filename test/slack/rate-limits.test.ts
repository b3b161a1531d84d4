/**
 * Within the rate limits of an app outside the Marketplace: with the fake's limit on
 * (conversations.replies / history at 1 request a minute), 20 paintings delivered within a minute
 * all arrive exactly once — the exactly-once check reads Easel's own upload record, not the thread.
 * Only a delivery retried after an attempt that failed around the upload reads the thread, once.
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
});
