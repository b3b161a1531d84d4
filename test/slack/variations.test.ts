/**
 * End to end over HTTP through the real Bolt app and the fake Slack, with the real queue, worker
 * and engine (fast-style networks at 48 px): an animated photo comes back as an animated GIF in the
 * thread, each variation button on a result queues that variation for the clicker, and Delete is
 * the asker's.
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TEXT } from '../../src/chat/common/text.ts';
import { decodeAnimation, meanAbsoluteDifference } from '../../src/images/index.ts';
import { BOT_USER_ID, type Message } from '../fakes/slack/fake-slack.ts';
import { buttonPayload } from '../fakes/slack/signed-sender.ts';
import * as fx from '../fixtures/images.ts';
import { REPO_ROOT } from '../helpers/redis.ts';
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
    const bytes = await fx.panningClip(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'), { frames: 6, width: 48, height: 36, step: 4 });
    const gif = s.fake.hostFile(bytes, 'clip.gif', 'image/gif');
    const { upload, status } = await mentionWith(newUser(), 'the-scream', gif);
    expect(upload.filename).toMatch(/\.gif$/);
    const meta = await sharp(upload.bytes).metadata();
    expect(meta.format).toBe('gif');
    expect(meta.pages).toBe(6);
    expect(upload.bytes.length).toBeLessThanOrEqual(10 * 1024 * 1024);
    // Painted: every frame differs from its input frame and from the frame before it.
    const out = await decodeAnimation(upload.bytes, { maxFrames: 6 });
    const input = await decodeAnimation(bytes, { maxFrames: 6 });
    expect([out.width, out.height]).toEqual([input.width, input.height]);
    for (let i = 0; i < 6; i++) {
      expect(meanAbsoluteDifference(out.frames[i], input.frames[i])).toBeGreaterThan(5);
      if (i > 0) expect(meanAbsoluteDifference(out.frames[i], out.frames[i - 1])).toBeGreaterThan(0);
    }
    expect(upload.initialComment).toContain('6 frames');
    expect(status.text).toContain('6 frames');
  });

  it('a GIF over EASEL_GIF_MAX_FRAMES is refused privately before any job', async () => {
    const user = newUser();
    const bytes = await fx.panningClip(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'), { frames: 7, width: 48, height: 36, step: 4 });
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
    expect(actionIds(status)).toEqual(['easel_vary_stronger', 'easel_vary_subtler', 'easel_vary_colours', 'easel_vary_reroll', 'easel_delete']);
    const share = s.fake.messages.find((m) => m.fileShare && m.thread_ts === threadTs && !m.deleted)!;
    result = { owner, threadTs, status, shareTs: share.ts };
  }, 120_000);

  it.each([
    ['stronger', { strength: 0.75 }],
    ['subtler', { strength: 0.25 }],
    ['colours', { strength: 0.5, preserveColors: true }],
    ['reroll', { strength: 0.5 }],
  ] as const)('%s queues that variation in the thread, owned by the clicker', async (variation, expected) => {
    const { threadTs, status } = result!;
    const jobs = s.jobs;
    const clicker = newUser();
    const before = new Set(statusMessages(s.fake, CHANNEL, threadTs).map((m) => m.ts));
    await jobs.queue.pause();
    try {
      const { value } = button(status, `easel_vary_${variation}`);
      await s.sender.interaction(buttonPayload({ user: clicker, channel: CHANNEL, messageTs: status.ts, threadTs, actionId: `easel_vary_${variation}`, value }));
      const fresh = await s.fake.waitFor(() => statusMessages(s.fake, CHANNEL, threadTs).find((m) => !before.has(m.ts) && JSON.stringify(m.blocks ?? []).includes('easel_cancel')), 'the variation’s status');
      const cancel = JSON.parse(button(fresh, 'easel_cancel').value) as { jobId: string; ownerId: string };
      expect(cancel.ownerId).toBe(clicker);
      const job = await jobs.queue.getJob(cancel.jobId);
      expect(job?.data.request.user.id).toBe(clicker);
      expect(job?.data.request.style).toEqual({ kind: 'preset', presetId: 'the-scream' });
      expect(job?.data.options).toMatchObject(expected);
      if (variation !== 'colours') expect(job?.data.options.preserveColors ?? false).toBe(false);
      if (variation === 'reroll') expect(job?.data.options.seed).toEqual(expect.any(Number));
      else expect(job?.data.options.seed).toBeUndefined();
      await jobs.cancel(cancel.jobId, clicker, job?.data.request.server);
    } finally {
      await jobs.queue.resume();
    }
  });

  it('Delete by someone else is refused; by the asker it removes the painting and its status', async () => {
    const { owner, threadTs, status, shareTs } = result!;
    const { value } = button(status, 'easel_delete');
    const stranger = newUser();
    await s.sender.interaction(buttonPayload({ user: stranger, channel: CHANNEL, messageTs: status.ts, threadTs, actionId: 'easel_delete', value }));
    const refusal = await waitForEphemeral(s.fake, stranger, /delete/);
    expect(refusal.text).toContain(ERROR_TEXT.notYoursToDelete);
    expect(s.fake.messages.find((m) => m.ts === shareTs)?.deleted).toBe(false);

    await s.sender.interaction(buttonPayload({ user: owner, channel: CHANNEL, messageTs: status.ts, threadTs, actionId: 'easel_delete', value }));
    await s.fake.waitFor(() => s.fake.messages.find((m) => m.ts === shareTs)?.deleted && s.fake.messages.find((m) => m.ts === status.ts)?.deleted, 'both messages deleted');
  });
});
