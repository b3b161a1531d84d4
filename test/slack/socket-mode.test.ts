/**
 * Socket Mode end to end: with SLACK_APP_TOKEN set, the adapter opens no HTTP port, asks
 * apps.connections.open (at SLACK_API_URL, with the app token) for a WebSocket URL, and takes
 * events, commands and interactions as envelopes on it — acknowledged on the socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_USER_ID } from '../fakes/slack/fake-slack.ts';
import { commandPayload, eventEnvelope } from '../fakes/slack/signed-sender.ts';
import { APP_TOKEN, BOT_TOKEN, CHANNEL, SIGNING_SECRET, decodeUpload, hostPhoto, newUser, startSlackStack, statusMessages, waitForUpload, type SlackStack } from './harness.ts';

let s: SlackStack;
const logLines: string[] = [];

beforeAll(async () => {
  s = await startSlackStack({ socketMode: true, logLines });
});
afterAll(async () => s?.close());

describe('Slack over Socket Mode', () => {
  it('connects through apps.connections.open with the app token, on SLACK_API_URL', async () => {
    expect(s.adapter.mode).toBe('socket');
    expect(s.adapter.port).toBeUndefined();
    const opened = s.fake.callsOf('apps.connections.open');
    expect(opened.length).toBeGreaterThanOrEqual(1);
    expect(opened[0].status).toBe(200);
    expect(opened[0].token).toBe(APP_TOKEN);
    expect(opened[0].response.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket/);
    await s.fake.waitFor(() => s.fake.socketConnections > 0, 'the WebSocket connection');
  });

  it('@Easel with a photo as an events_api envelope: acked on the socket, painting uploaded in the thread', async () => {
    const user = newUser();
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> wave size=40`, files: [await hostPhoto(s.fake)] });
    const ack = await s.fake.sendEnvelope('events_api', eventEnvelope(mention));
    expect(ack).toEqual({});
    const upload = await waitForUpload(s.fake, CHANNEL, mention.ts);
    const img = await decodeUpload(upload);
    expect(img.format).toBe('png');
    expect(Math.max(img.width, img.height)).toBe(40);
    expect(upload.initialComment).toContain('The Great Wave off Kanagawa');
    const [status] = statusMessages(s.fake, CHANNEL, mention.ts);
    await s.fake.waitFor(() => status.text.startsWith('✅'), 'the final status');
  });

  it('a slash command as a slash_commands envelope: the ack payload carries the answer', async () => {
    const ack = await s.fake.sendEnvelope('slash_commands', commandPayload({ user_id: newUser(), channel_id: CHANNEL, text: 'no-such-style' }));
    expect(ack).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('I don\'t know a style called “no-such-style”') });
  });

  it('closes cleanly: the socket is disconnected', async () => {
    await s.adapter.close();
    await s.fake.waitFor(() => s.fake.socketConnections === 0, 'the socket to close', 10_000);
  });

  it('never logged a token or the signing secret, even at trace level', () => {
    const all = logLines.join('');
    expect(logLines.length).toBeGreaterThan(20);
    expect(all).toContain('slack: result delivered');
    for (const secret of [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET]) expect(all).not.toContain(secret);
  });
});
