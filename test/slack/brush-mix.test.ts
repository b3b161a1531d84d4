/**
 * Mixing two paintings and the brush size from Slack, end to end: the real Bolt app against the fake
 * Slack, the real queue, worker and engine (32 px optimisations).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORDING } from '../../src/requests/wording.ts';
import { BOT_USER_ID } from '../fakes/slack/fake-slack.ts';
import { CHANNEL, NOT_MEMBER_CHANNEL, decodeUpload, hostPhoto, newUser, startSlackStack, waitForEphemeral, waitForUpload, type SlackStack } from './harness.ts';

let s: SlackStack;

beforeAll(async () => {
  s = await startSlackStack();
});
afterAll(async () => s?.close());

describe('Slack: mix two paintings, brush size', () => {
  it('@Easel starry-night+the-scream mix=0.7 brush=bold paints with both paintings', async () => {
    const user = newUser();
    const photo = await hostPhoto(s.fake);
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> starry-night+the-scream mix=0.7 brush=bold size=32 quality=draft`, files: [photo] });
    await s.sender.event(mention);
    const upload = await waitForUpload(s.fake, CHANNEL, mention.ts);
    const image = await decodeUpload(upload);
    expect(Math.max(image.width, image.height)).toBe(32);
    expect(upload.initialComment).toMatch(/Starry Night.* \+ The Scream/);
  });

  it('/stylize a+b mix=0.3: the prompt names the mix, a photo in its thread is painted with it', async () => {
    const user = newUser();
    await s.sender.command({ user_id: user, channel_id: CHANNEL, text: 'the-scream+starry-night mix=0.3 size=32 quality=draft' });
    const prompt = await s.fake.waitFor(() => s.fake.botMessages(CHANNEL).find((m) => !m.thread_ts && m.text.includes(`<@${user}>`)), 'the prompt');
    expect(prompt.text).toMatch(/The Scream \+ .*Starry Night.* \(30\/70\)/);
    const photo = await hostPhoto(s.fake);
    const { message } = s.fake.userMessage({ channel: CHANNEL, user, threadTs: prompt.ts, files: [photo] });
    await s.sender.event(message);
    const upload = await waitForUpload(s.fake, CHANNEL, prompt.ts);
    expect(upload.initialComment).toMatch(/The Scream \+ .*Starry Night/);
  });

  it('three paintings, or a mix without a second, are explained', async () => {
    const user = newUser();
    const photo = await hostPhoto(s.fake);
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> udnie+wreck+la-muse`, files: [photo] });
    await s.sender.event(mention);
    await waitForEphemeral(s.fake, user, /two paintings at most/);
    const res = await s.sender.command({ user_id: user, channel_id: CHANNEL, text: 'udnie mix=0.4' });
    expect(res.json.text).toContain('name a second painting');
  });
});

describe('Slack: /stylize <style> latest', () => {
  const responsesTo = (url: string) => s.fake.responses.filter((r) => url.endsWith(`/respond/${r.id}`)).map((r) => r.body.text as string);

  it('paints the most recent image posted in the channel, saying whose it is', async () => {
    const poster = newUser();
    const photo = await hostPhoto(s.fake);
    s.fake.userMessage({ channel: CHANNEL, user: poster, text: 'our cat', files: [photo] });
    s.fake.userMessage({ channel: CHANNEL, user: newUser(), text: 'so cute' });

    const asker = newUser();
    const responseUrl = s.fake.responseUrl();
    const ack = await s.sender.command({ user_id: asker, channel_id: CHANNEL, text: 'udnie latest size=40', response_url: responseUrl });
    expect(ack.status).toBe(200);
    await s.fake.waitFor(() => responsesTo(responseUrl).find((t) => t.includes(`Using the image posted by <@${poster}>`)), 'whose image');
    const upload = await s.fake.waitFor(() => s.fake.uploads.find((u) => u.channel === CHANNEL && u.initialComment?.includes(`<@${asker}>`)), 'the painting', 90_000);
    const image = await decodeUpload(upload);
    expect(Math.max(image.width, image.height)).toBe(40);
    // That very file was fetched (with the bot token, through the intake), after reading 50 messages of history.
    expect(s.fake.downloads.filter((d) => d.fileId === photo.id)).toEqual([{ fileId: photo.id, authorized: true }]);
    expect(s.fake.callsOf('conversations.history').at(-1)?.args).toMatchObject({ channel: CHANNEL, limit: '50' });
  });

  it('@Easel <style> latest without a photo paints the latest image, in the mention\'s thread', async () => {
    const poster = newUser();
    const photo = await hostPhoto(s.fake);
    s.fake.userMessage({ channel: CHANNEL, user: poster, files: [photo] });
    const asker = newUser();
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user: asker, text: `<@${BOT_USER_ID}> wreck latest size=32` });
    await s.sender.event(mention);
    await waitForEphemeral(s.fake, asker, new RegExp(`Using the image posted by <@${poster}>`));
    const upload = await waitForUpload(s.fake, CHANNEL, mention.ts);
    const image = await decodeUpload(upload);
    expect(Math.max(image.width, image.height)).toBe(32);
    expect(s.fake.downloads.some((d) => d.fileId === photo.id)).toBe(true);
  });

  it('says so when the channel has no image, or cannot be read', async () => {
    const user = newUser();
    const empty = 'C0EMPTYROOM';
    const url1 = s.fake.responseUrl();
    await s.sender.command({ user_id: user, channel_id: empty, text: 'udnie latest', response_url: url1 });
    await s.fake.waitFor(() => responsesTo(url1).find((t) => t === WORDING.noRecentImage(50)), 'no image');
    const url2 = s.fake.responseUrl();
    await s.sender.command({ user_id: user, channel_id: NOT_MEMBER_CHANNEL, text: 'udnie latest', response_url: url2 });
    await s.fake.waitFor(() => responsesTo(url2).find((t) => t.includes('/invite @Easel')), 'not in channel');
  });
});
