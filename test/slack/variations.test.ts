/**
 * End to end over HTTP through the real Bolt app and the fake Slack, with the real queue, worker
 * and engine (fast-style networks at 48 px): an animated photo comes back as an animated GIF in the
 * thread, each variation button on a result queues that variation for the clicker, and Delete is
 * the asker's.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORDING } from '../../src/requests/wording.ts';
import { BOT_USER_ID, type Message } from '../fakes/slack/fake-slack.ts';
import { buttonPayload, selectPayload } from '../fakes/slack/signed-sender.ts';
import { expectPaintedAnimation, expectVariationJob, photoClip, VARIATION_CASES } from '../helpers/chat-features.ts';
import { CHANNEL, hostPhoto, newUser, startSlackStack, statusMessages, waitForEphemeral, waitForUpload, type SlackStack } from './harness.ts';

let s: SlackStack;

beforeAll(async () => {
  s = await startSlackStack({ env: { EASEL_GIF_MAX_FRAMES: '6' } });
});
afterAll(async () => s?.close());

/** `@Easel <text>` with a file: the mention's thread and its final status message. */
async function mentionWith(user: string, text: string, file: Awaited<ReturnType<typeof hostPhoto>>) {
  const { message, mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> ${text}`, files: [file] });
  await s.sender.event(mention);
  const upload = await waitForUpload(s.fake, CHANNEL, message.ts);
  const status = await s.fake.waitFor(() => statusMessages(s.fake, CHANNEL, message.ts).find((m) => m.text.startsWith('✅')), 'the final status');
  return { threadTs: message.ts, upload, status };
}

function button(m: Message, actionId: string): { action_id: string; value: string } {
  const found = (m.blocks ?? []).flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === actionId);
  if (!found) throw new Error(`no ${actionId} button on ${m.ts}`);
  return found;
}

const actionIds = (m: Message): string[] => (m.blocks ?? []).flatMap((b: any) => b.elements ?? []).map((e: any) => e.action_id);

describe('Slack: animated photos', () => {
  it('a 6-frame GIF comes back as a 6-frame GIF in the thread, painted, its caption saying frames', async () => {
    const bytes = await photoClip(6);
    const gif = s.fake.hostFile(bytes, 'clip.gif', 'image/gif');
    const { upload, status } = await mentionWith(newUser(), 'the-scream', gif);
    expect(upload.filename).toMatch(/\.gif$/);
    expect((await sharp(upload.bytes).metadata()).format).toBe('gif');
    await expectPaintedAnimation(upload.bytes, bytes, 6);
    expect(upload.bytes.length).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(upload.initialComment).toContain('6 frames');
    expect(status.text).toContain('6 frames');
  });

  it('a GIF over EASEL_GIF_MAX_FRAMES is refused privately before any job', async () => {
    const user = newUser();
    const bytes = await photoClip(7);
    const counts = () => s.jobs.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    const before = await counts();
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> the-scream`, files: [s.fake.hostFile(bytes, 'long.gif', 'image/gif')] });
    await s.sender.event(mention);
    await waitForEphemeral(s.fake, user, /at most 6/);
    expect(await counts()).toEqual(before);
  });
});

describe('Slack: buttons on a result', () => {
  let result: { owner: string; threadTs: string; status: Message; shareTs: string } | undefined;

  beforeAll(async () => {
    const owner = newUser();
    const { threadTs, status } = await mentionWith(owner, 'the-scream strength=0.5', await hostPhoto(s.fake));
    expect(actionIds(status)).toEqual(['easel_another_style', 'easel_hq', 'easel_vary_reroll', 'easel_vary_stronger', 'easel_vary_subtler', 'easel_vary_colours', 'easel_delete']);
    const share = s.fake.messages.find((m) => m.fileShare && m.thread_ts === threadTs && !m.deleted)!;
    result = { owner, threadTs, status, shareTs: share.ts };
  }, 120_000);

  /** Click `send` as a new user with the queue paused: the job it queued (then cancelled), and the clicker. */
  async function queuedBy(send: (clicker: string) => Promise<unknown>) {
    const { threadTs } = result!;
    const jobs = s.jobs;
    const clicker = newUser();
    const before = new Set(statusMessages(s.fake, CHANNEL, threadTs).map((m) => m.ts));
    await jobs.queue.pause();
    try {
      await send(clicker);
      const fresh = await s.fake.waitFor(() => statusMessages(s.fake, CHANNEL, threadTs).find((m) => !before.has(m.ts) && JSON.stringify(m.blocks ?? []).includes('easel_cancel')), 'the new status');
      const cancel = JSON.parse(button(fresh, 'easel_cancel').value) as { jobId: string };
      expect((await jobs.ownerOf(cancel.jobId))?.userId).toBe(clicker);
      const job = await jobs.queue.getJob(cancel.jobId);
      await jobs.cancel(cancel.jobId, clicker, job?.data.request.server);
      return { job, clicker };
    } finally {
      await jobs.queue.resume();
    }
  }

  const click = (actionId: string) => (clicker: string) => {
    const { threadTs, status } = result!;
    return s.sender.interaction(buttonPayload({ user: clicker, channel: CHANNEL, messageTs: status.ts, threadTs, actionId, value: button(status, actionId).value }));
  };

  it.each(VARIATION_CASES)('%s queues that variation in the thread, owned by the clicker', async (variation, expected) => {
    const { job, clicker } = await queuedBy(click(`easel_vary_${variation}`));
    expectVariationJob(job, variation, expected, clicker);
  });

  it('Higher quality queues the next tier; Another style the painting picked, for the clicker', async () => {
    const hq = await queuedBy(click('easel_hq'));
    expect(hq.job?.data.request.user.id).toBe(hq.clicker);
    expect(hq.job?.data.options.quality).toBe('draft'); // the result was 'fast'

    const { threadTs, status } = result!;
    const select = (status.blocks ?? []).find((b: any) => (b.elements ?? []).some((e: any) => e.action_id === 'easel_another_style'));
    expect(select.elements[0].options.map((o: any) => o.value)).not.toContain('the-scream');
    const restyled = await queuedBy((clicker) =>
      s.sender.interaction(selectPayload({ user: clicker, channel: CHANNEL, messageTs: status.ts, threadTs, actionId: 'easel_another_style', blockId: select.block_id, value: 'great-wave' })),
    );
    expect(restyled.job?.data.request.user.id).toBe(restyled.clicker);
    expect(restyled.job?.data.request.style).toEqual({ kind: 'preset', presetId: 'great-wave' });
    expect(restyled.job?.data.options.strength).toBe(0.5);
  });

  // Issue #20 (4), on Slack too: a forged button value naming the presser as owner is refused.
  it('a forged Delete value naming the presser as owner is refused: the owner comes from Easel’s record', async () => {
    const { threadTs, status, shareTs } = result!;
    const forger = newUser();
    const value = JSON.stringify({ jobId: 'slack-forged', ownerId: forger });
    await s.sender.interaction(buttonPayload({ user: forger, channel: CHANNEL, messageTs: status.ts, threadTs, actionId: 'easel_delete', value }));
    const refusal = await waitForEphemeral(s.fake, forger, /delete/);
    expect(refusal.text).toContain(WORDING.notYoursToDelete);
    expect(s.fake.messages.find((m) => m.ts === shareTs)?.deleted).toBe(false);
    expect(s.fake.messages.find((m) => m.ts === status.ts)?.deleted).toBe(false);
  });

  it('Delete by someone else is refused; by the asker it removes the painting and its status', async () => {
    const { owner, threadTs, status, shareTs } = result!;
    const { value } = button(status, 'easel_delete');
    const stranger = newUser();
    await s.sender.interaction(buttonPayload({ user: stranger, channel: CHANNEL, messageTs: status.ts, threadTs, actionId: 'easel_delete', value }));
    const refusal = await waitForEphemeral(s.fake, stranger, /delete/);
    expect(refusal.text).toContain(WORDING.notYoursToDelete);
    expect(s.fake.messages.find((m) => m.ts === shareTs)?.deleted).toBe(false);

    await s.sender.interaction(buttonPayload({ user: owner, channel: CHANNEL, messageTs: status.ts, threadTs, actionId: 'easel_delete', value }));
    await s.fake.waitFor(() => s.fake.messages.find((m) => m.ts === shareTs)?.deleted && s.fake.messages.find((m) => m.ts === status.ts)?.deleted, 'both messages deleted');
  });
});
