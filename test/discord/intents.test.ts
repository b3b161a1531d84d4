/**
 * Without the Message Content intent: Discord refuses the intent (close 4014), the bot logs in
 * again without it, and the reply-to-a-result flow still works when the reply pings the bot —
 * the fake, like Discord, strips attachments from other messages for such a client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customIds, decodes, deferral, startHarness, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: 'discord-intents', fake: { allowMessageContent: false } });
});

afterAll(async () => {
  await h?.close();
});

describe('without the Message Content intent', () => {
  it('logs in again without the intent when Discord refuses it', () => {
    const MESSAGE_CONTENT = 1 << 15;
    expect(h.fake.identifies.map((i) => ({ content: (i.intents & MESSAGE_CONTENT) !== 0, accepted: i.accepted }))).toEqual([
      { content: true, accepted: false },
      { content: false, accepted: true },
    ]);
  });

  it('restyles a photo replied to a result only when the reply pings the bot', async () => {
    const fake = h.fake;
    const user = h.user('lin');
    const rec = h.slash(user, 'stylize', { photo: h.photo(), style: 'great-wave' });
    await deferral(fake, rec);
    const post = await fake.waitFor('result', () => fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).find((r) => r.files.length > 0 && customIds(r.body).length > 0), 90_000);
    const threadId = post.path.split('/')[2];
    const result = [...fake.messages.values()].find((m) => m.channel_id === threadId && m.author.id === fake.bot.id && m.attachments.length > 0)!;
    expect(result).toBeDefined();

    // Reply without a ping: the bot cannot see the photo (Discord strips it), so nothing happens.
    const silent = h.say(user, threadId, { attachments: [h.photo(64)], replyTo: result });
    await new Promise((r) => setTimeout(r, 1000));
    expect([...fake.messages.values()].some((m) => m.message_reference?.message_id === silent.id)).toBe(false);

    // The same reply pinging the bot is seen and restyled.
    const pinged = h.say(user, threadId, { content: `<@${fake.bot.id}>`, attachments: [h.photo(64)], replyTo: result, mentionBot: true });
    const status = await fake.waitFor('status reply', () => [...fake.messages.values()].find((m) => m.message_reference?.message_id === pinged.id));
    const done = await fake.waitFor('restyled', () => fake.requestsMatching('PATCH', new RegExp(`/messages/${status.id}$`)).find((r) => r.files.length > 0), 90_000);
    expect(done.body.content).toContain('The Great Wave');
    await decodes(done.files[0].bytes);
  });
});
