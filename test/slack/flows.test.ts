/**
 * End to end over HTTP: the real Bolt app (signed requests from the sender), real jobs + worker on
 * the real Redis, the real engine at 32–64 px, and the fake Slack Web API. Each scenario asserts
 * on the bytes uploaded (decoded as an image) and where they were shared (channel + thread).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { ThreadStyles } from '../../src/chat/slack/thread-style.ts';
import { silentLogger } from '../../src/log.ts';
import { BOT_ID, BOT_USER_ID } from '../fakes/slack/fake-slack.ts';
import { buttonPayload, viewSubmissionPayload } from '../fakes/slack/signed-sender.ts';
import {
  BOT_TOKEN,
  CHANNEL,
  decodeUpload,
  hostPhoto,
  newUser,
  startSlackStack,
  statusMessages,
  uploadsInThread,
  waitForUpload,
  type SlackStack,
} from './harness.ts';

let s: SlackStack;

beforeAll(async () => {
  s = await startSlackStack();
});
afterAll(async () => s?.close());

describe('Slack flows end to end (HTTP receiver)', () => {
  it('/stylize <preset>: prompt in the channel, a photo in its thread → status updates and the painting in the thread', async () => {
    const user = newUser();
    const ack = await s.sender.command({ user_id: user, channel_id: CHANNEL, text: 'great-wave size=48 quality=fast' });
    expect(ack.status).toBe(200);

    const prompt = await s.fake.waitFor(() => s.fake.botMessages(CHANNEL).find((m) => !m.thread_ts && m.text.includes(`<@${user}>`)), 'the prompt');
    expect(prompt.text).toContain('The Great Wave off Kanagawa');
    expect(JSON.stringify(prompt.blocks)).toContain('easel_open_modal');

    const photo = await hostPhoto(s.fake);
    const { message } = s.fake.userMessage({ channel: CHANNEL, user, threadTs: prompt.ts, files: [photo] });
    expect((await s.sender.event(message)).status).toBe(200);

    const upload = await waitForUpload(s.fake, CHANNEL, prompt.ts);
    const image = await decodeUpload(upload);
    expect(image.format).toBe('png');
    expect(Math.max(image.width, image.height)).toBe(48);
    expect(upload.initialComment).toContain(`<@${user}>`);
    expect(upload.initialComment).toContain('The Great Wave off Kanagawa');
    // The photo was fetched from url_private with the bot token.
    expect(s.fake.downloads.filter((d) => d.fileId === photo.id)).toEqual([{ fileId: photo.id, authorized: true }]);

    const [status] = statusMessages(s.fake, CHANNEL, prompt.ts);
    await s.fake.waitFor(() => status.text.startsWith('✅'), 'the final status');
    expect(status.text).toContain('48×');
    expect(status.history.length).toBeGreaterThan(1);
    expect(status.history.some((h) => JSON.stringify(h.blocks ?? []).includes('easel_cancel'))).toBe(true);
    expect(JSON.stringify(status.blocks)).not.toContain('easel_cancel');
  });

  it('@Easel <preset> with a photo, then a photo in that thread is restyled the same way', async () => {
    const user = newUser();
    const photo = await hostPhoto(s.fake);
    const { message, mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> the-scream size=40`, files: [photo] });
    // Slack sends both; only the mention may start a job.
    await s.sender.event(message);
    await s.sender.event(mention);

    const first = await waitForUpload(s.fake, CHANNEL, message.ts);
    const firstImage = await decodeUpload(first);
    expect(firstImage.format).toBe('png');
    expect(Math.max(firstImage.width, firstImage.height)).toBe(40);
    expect(first.initialComment).toContain('The Scream');
    const [status] = statusMessages(s.fake, CHANNEL, message.ts);
    await s.fake.waitFor(() => status.text.startsWith('✅'), 'the first result to be final');

    // Another photo, no mention, no text: painted as The Scream at 40 px again, in the same thread.
    const second = await hostPhoto(s.fake, 'golden_gate.jpg');
    const reply = s.fake.userMessage({ channel: CHANNEL, user, threadTs: message.ts, files: [second] });
    expect(reply.mention).toBeUndefined();
    await s.sender.event(reply.message);
    const restyled = await waitForUpload(s.fake, CHANNEL, message.ts, 2);
    const img = await decodeUpload(restyled);
    expect(Math.max(img.width, img.height)).toBe(40);
    expect(img.width).toBeGreaterThan(img.height); // the landscape photo this time
    expect(restyled.initialComment).toContain('The Scream');
    expect(uploadsInThread(s.fake, CHANNEL, message.ts)).toHaveLength(2);

    // After a restart (memory empty) the thread's style is read back from the status message's metadata.
    const fresh = new ThreadStyles(new webApi.WebClient(BOT_TOKEN, { slackApiUrl: s.fake.apiUrl }), () => ({ botUserId: BOT_USER_ID, botId: BOT_ID }), silentLogger);
    expect(await fresh.recall(CHANNEL, message.ts)).toEqual({ style: { kind: 'preset', presetId: 'the-scream' }, options: { size: 40 } });
  });

  it('@Easel with a file stub (Slack Connect: check_file_info) looks the file up with files.info', async () => {
    const user = newUser();
    const photo = await hostPhoto(s.fake);
    const stub = { id: photo.id, mode: 'hidden_by_limit', file_access: 'check_file_info' };
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> wreck size=32`, files: [stub as any] });
    await s.sender.event(mention);
    const upload = await waitForUpload(s.fake, CHANNEL, mention.ts);
    expect(Math.max((await decodeUpload(upload)).width, (await decodeUpload(upload)).height)).toBe(32);
    expect(s.fake.callsOf('files.info').some((c) => c.args.file === photo.id)).toBe(true);
  });

  it('@Easel with two images paints the first in the style of the second', async () => {
    const user = newUser();
    const photo = await hostPhoto(s.fake);
    const style = await hostPhoto(s.fake, 'stata.jpg');
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> size=32 iterations=2`, files: [photo, style] });
    await s.sender.event(mention);
    const upload = await waitForUpload(s.fake, CHANNEL, mention.ts);
    const img = await decodeUpload(upload);
    expect(Math.max(img.width, img.height)).toBe(32);
    expect(upload.initialComment).toContain('your image');
    expect(s.fake.downloads.filter((d) => d.fileId === style.id)).toHaveLength(1);
  });

  it('the modal: /stylize alone opens it, a missing style is an error beside the field, a submission paints into the channel', async () => {
    const user = newUser();
    const trigger = `trigger.${user}`;
    await s.sender.command({ user_id: user, channel_id: CHANNEL, text: '', trigger_id: trigger });
    const opened = await s.fake.waitFor(() => s.fake.views.find((v) => v.trigger_id === trigger), 'views.open');
    const view = opened.view;
    expect(view.callback_id).toBe('easel_stylize');
    const presetBlock = view.blocks.find((b: any) => b.block_id === 'preset');
    expect(presetBlock.element.options.map((o: any) => o.value)).toContain('the-scream');

    const photo = await hostPhoto(s.fake);
    const files = { type: 'file_input', files: [photo] };
    const noStyle = await s.sender.interaction(viewSubmissionPayload({ user, view, values: { photo: { file: files }, options: { text: { type: 'plain_text_input', value: 'size=40' } } } }));
    expect(noStyle.status).toBe(200);
    expect(noStyle.json).toEqual({ response_action: 'errors', errors: { preset: expect.stringMatching(/preset/i) } });

    const viewId = `V${user}`;
    const ok = await s.sender.interaction(
      viewSubmissionPayload({
        user,
        view,
        viewId,
        values: { photo: { file: files }, preset: { select: { type: 'static_select', selected_option: { value: 'shipwreck', text: { type: 'plain_text', text: 'x' } } } }, options: { text: { type: 'plain_text_input', value: 'size=40 fast' } } },
      }),
    );
    expect(ok.status).toBe(200);
    expect(ok.json?.response_action).toBeUndefined();

    // No prompt thread: the status message starts a new thread in the channel, and the result goes there.
    const status = await s.fake.waitFor(() => s.fake.botMessages(CHANNEL).find((m) => !m.thread_ts && m.history[0].text.startsWith('🎨 Got your photo')), 'the status message');
    const upload = await waitForUpload(s.fake, CHANNEL, status.ts);
    const img = await decodeUpload(upload);
    expect(Math.max(img.width, img.height)).toBe(40);
    expect(upload.initialComment).toContain('Wreck');
  });

  it("the prompt's button opens the modal with the preset filled in; its result goes into the prompt's thread", async () => {
    const user = newUser();
    await s.sender.command({ user_id: user, channel_id: CHANNEL, text: 'udnie size=36' });
    const prompt = await s.fake.waitFor(() => s.fake.botMessages(CHANNEL).find((m) => !m.thread_ts && m.text.includes(`<@${user}>`)), 'the prompt');
    const button = prompt.blocks!.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === 'easel_open_modal');
    const click = buttonPayload({ user, channel: CHANNEL, messageTs: prompt.ts, actionId: 'easel_open_modal', value: button.value });
    await s.sender.interaction(click);
    const opened = await s.fake.waitFor(() => s.fake.views.find((v) => v.trigger_id === click.trigger_id), 'views.open');
    const presetBlock = opened.view.blocks.find((b: any) => b.block_id === 'preset');
    expect(presetBlock.element.initial_option.value).toBe('udnie');
    const optionsBlock = opened.view.blocks.find((b: any) => b.block_id === 'options');
    expect(optionsBlock.element.initial_value).toBe('size=36');

    const photo = await hostPhoto(s.fake);
    await s.sender.interaction(
      viewSubmissionPayload({
        user,
        view: opened.view,
        values: { photo: { file: { type: 'file_input', files: [photo] } }, preset: { select: { type: 'static_select', selected_option: { value: 'udnie' } } }, options: { text: { type: 'plain_text_input', value: 'size=36' } } },
      }),
    );
    const upload = await waitForUpload(s.fake, CHANNEL, prompt.ts);
    const img = await decodeUpload(upload);
    expect(Math.max(img.width, img.height)).toBe(36);
    expect(upload.initialComment).toContain('Udnie');
  });
});
