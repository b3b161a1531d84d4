/**
 * Fault suite, cases 2–3 on Discord: the real discord.js client (started as `easel start` starts
 * it) against the fake Discord, real jobs layer, worker and engine. The result goes into a thread
 * started from the reply, as a new message with the file — the post that needs the nonce.
 *
 * Scaled timings (see ./harness.ts): REST calls time out after 1 s (discord.js retries a timed-out
 * or 5xx call up to 3 times itself), claims of 1 s, sweeps every 200 ms, 3 delivery attempts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferral, followUps, startHarness, type Harness } from '../discord/harness.ts';
import type { InteractionRecord } from '../fakes/discord/fake-discord.ts';
import { FAST_DELIVERY, sleep } from './harness.ts';
import { WORDING } from '../../src/requests/wording.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: 'faults-discord', env: { ...FAST_DELIVERY, EASEL_USER_MAX_JOBS: '10' } });
});
afterAll(async () => h?.close());

let strength = 0.3;
/** A /stylize in the text channel (threads allowed); a new strength each time, so nothing comes from the cache. */
async function stylize(): Promise<InteractionRecord> {
  strength = Math.round((strength + 0.05) * 100) / 100;
  const rec = h.slash(h.user(), 'stylize', { photo: h.photo(64), style: 'the-scream', strength, size: 32 }, { channel: 'text' });
  await deferral(h.fake, rec);
  return rec;
}

/** Messages with an image that belong to this interaction: in the thread started from its reply, or the reply itself. */
function imagesOf(rec: InteractionRecord) {
  const originalId = h.fake.interactions.get(rec.id)?.originalId;
  return h.fake.imageMessages().filter((m) => m.channel_id === originalId || m.id === originalId);
}

const resultShown = (rec: InteractionRecord) => h.fake.waitFor(`the result of ${rec.id}`, () => imagesOf(rec).length > 0, 90_000);

describe('fault suite on Discord', () => {
  it('an upload that hangs longer than the timeout and the claim, then succeeds: posted once (nonce + enforce_nonce)', async () => {
    h.fake.holdUploads(3_000, 1);
    const rec = await stylize();
    await resultShown(rec);
    await sleep(3_500); // the held request is processed now: Discord returns the first message for its nonce
    const posts = h.fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).filter((r) => r.files.length > 0 && r.path.includes(h.fake.interactions.get(rec.id)!.originalId!));
    expect(posts.length).toBeGreaterThanOrEqual(2); // the hung one and the retry
    expect(new Set(posts.map((p) => p.body?.nonce)).size).toBe(1);
    expect(posts.every((p) => p.body?.enforce_nonce === true)).toBe(true);
    expect(imagesOf(rec)).toHaveLength(1);
    console.info('[fault suite] discord upload hang 3 s (timeout 1 s, claim 1 s): runs=1 duplicates=0 lost=0');
  });

  it('500 five times, then 200: posted once', async () => {
    h.fake.failUploads(500, 5);
    const rec = await stylize();
    await resultShown(rec);
    await sleep(1_500);
    expect(imagesOf(rec)).toHaveLength(1);
  });

  it('500 forever: the user gets the failure notice and easel_delivery_failed_total counts it', async () => {
    h.fake.failUploads(500, 'forever');
    try {
      const rec = await stylize();
      const notice = await h.fake.waitFor('the undeliverable notice', () => followUps(h.fake, rec).find((r) => String(r.body?.content).includes(WORDING.undeliverable)), 90_000);
      expect(notice.body.flags & 64).toBe(64); // ephemeral: for the asker only
      expect(imagesOf(rec)).toHaveLength(0);
      const metrics = await (await fetch(`http://127.0.0.1:${h.services.ops.port}/metrics`)).text();
      expect(metrics).toMatch(/easel_delivery_failed_total\{platform="discord",reason="undeliverable"\} 1/);
    } finally {
      h.fake.recover();
    }
  });
});
