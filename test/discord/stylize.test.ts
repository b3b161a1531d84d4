/**
 * End to end: the real discord.js client (started as `easel start` starts it) against the fake
 * Discord, with the real jobs layer, worker and engine on the real Redis. Renders are tiny
 * (fast-style networks at 48 px; one 32 px optimisation for a style image).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TEXT } from '../../src/chat/common/text.ts';
import { decodeCustomId } from '../../src/chat/discord/custom-ids.ts';
import { EDIT_INTERVAL_MS } from '../../src/chat/discord/delivery.ts';
import { callbackOf, customIds, decodes, deferral, followUps, messageOf, originalEdits, startHarness, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: 'discord-e2e' });
});

afterAll(async () => {
  await h?.close();
});

/** The thread the bot started from an interaction's reply, and the result posted in it. */
async function threadResult(rec: { id: string; token: string }) {
  const fake = h.fake;
  const original = () => fake.interactions.get(rec.id)?.originalId;
  const post = await fake.waitFor(
    'result posted in a thread',
    () => fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).find((r) => r.path === `/channels/${original()}/messages` && r.files.length > 0),
    90_000,
  );
  return { post, threadId: original()! };
}

describe('/stylize', () => {
  it('with a preset: deferred within 3 s, queue position, result in a thread with caption and buttons', async () => {
    const user = h.user('ada');
    const rec = h.slash(user, 'stylize', { photo: h.photo(), style: 'the-scream', strength: 0.7 }, { channel: 'text' });

    const cb = await deferral(h.fake, rec);
    expect(cb.body.type).toBe(5); // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, public
    expect(cb.body.data?.flags ?? 0).toBe(0);
    expect(cb.at - rec.dispatchedAt).toBeLessThan(3_000);

    const { post, threadId } = await threadResult(rec);
    const fake = h.fake;
    // The thread was started from the reply, in the channel the command was used in.
    const threadCall = fake.requestsMatching('POST', /\/threads$/).find((r) => r.path.endsWith(`/messages/${threadId}/threads`));
    expect(threadCall?.path).toBe(`/channels/${fake.channelOfType(0).id}/messages/${threadId}/threads`);
    expect(threadCall?.body.name).toContain('The Scream');

    // First the status (queue position or painting, with Cancel), posted through the interaction token.
    const edits = originalEdits(fake, rec);
    expect(edits.length).toBeGreaterThanOrEqual(1);
    expect(edits[0].body.content).toMatch(/Queued|Painting/);
    expect(customIds(edits[0].body).map((id) => decodeCustomId(id)?.action)).toEqual(['cancel']);

    // The result: a real image at the asked size, a caption, the follow-up buttons, the user mentioned.
    expect(post.auth).toBe(`Bot ${fake.token}`);
    const image = await decodes(post.files[0].bytes);
    expect(Math.max(image.width, image.height)).toBe(48);
    expect(post.body.content).toContain(`<@${user.id}>`);
    expect(post.body.content).toContain('Style: The Scream');
    expect(post.body.content).toContain('strength 0.7');
    expect(post.body.allowed_mentions?.users).toEqual([user.id]);
    expect(customIds(post.body).map((id) => decodeCustomId(id)?.action)).toEqual(['another', 'hq']);

    // The reply is tidied: no progress left, pointing to the thread.
    await fake.waitFor('reply tidied', () => originalEdits(fake, rec).find((r) => /thread/.test(r.body.content ?? '')));
  });

  it('with a style image where threads are not allowed: progress edits ≥ 2 s apart, result in the reply', async () => {
    const user = h.user('grace');
    const fake = h.fake;
    // One 429 on the first status edit: discord.js waits and retries, the throttle coalesces meanwhile.
    fake.inject429('PATCH', /^\/webhooks\/\d+\/itok-[^/]+\/messages\/@original$/, 1);
    const rec = h.slash(user, 'stylize', { photo: h.photo(64), style_image: h.styleImage(48), size: 32 }, { channel: 'voice' });

    const cb = await deferral(fake, rec);
    expect(cb.at - rec.dispatchedAt).toBeLessThan(3_000);
    const final = await fake.waitFor('result in the reply', () => originalEdits(fake, rec).find((r) => r.files.some((f) => f.name === 'easel.png')), 240_000);

    const all = fake.requestsFor(rec).filter((r) => r.method === 'PATCH');
    expect(all.some((r) => r.status === 429)).toBe(true);
    const edits = originalEdits(fake, rec);
    const progress = edits.filter((r) => /Painting… .*%/.test(r.body.content ?? ''));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)!.body.content).toMatch(/[▰▱]{10} \d+%/);
    // Never more than one edit per ~2 s on the message, 429 retry included.
    for (let i = 1; i < edits.length; i++) expect(edits[i].at - edits[i - 1].at).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS - 100);

    const image = await decodes(final.files[0].bytes);
    expect(Math.max(image.width, image.height)).toBe(32);
    expect(final.body.content).toContain('Style: your image');
    // No thread in a voice channel's chat.
    expect(fake.requestsMatching('POST', new RegExp(`/messages/${fake.interactions.get(rec.id)!.originalId}/threads$`))).toHaveLength(0);
  });

  it('answers autocomplete within 3 s with at most 25 presets matching title or artist', async () => {
    const user = h.user();
    const byArtist = h.slash(user, 'stylize', { style: 'hokusai' }, { focused: 'style' });
    const empty = h.slash(user, 'stylize', { style: '' }, { focused: 'style' });
    for (const rec of [byArtist, empty]) {
      const cb = await deferral(h.fake, rec);
      expect(cb.body.type).toBe(8);
      expect(cb.at - rec.dispatchedAt).toBeLessThan(3_000);
      expect(cb.body.data.choices.length).toBeGreaterThan(0);
      expect(cb.body.data.choices.length).toBeLessThanOrEqual(25);
    }
    expect(callbackOf(h.fake, byArtist)!.body.data.choices[0]).toEqual({ name: expect.stringContaining('Great Wave'), value: 'great-wave' });
  });
});

describe('errors are ephemeral and friendly', () => {
  const ephemeralReply = async (rec: { id: string; token: string }) => {
    const cb = await deferral(h.fake, rec as any);
    expect(cb.body.type).toBe(4);
    expect(cb.body.data.flags & 64).toBe(64);
    return cb.body.data.content as string;
  };

  it('refuses a file that is not an image, by its metadata, at once', async () => {
    const user = h.user();
    const text = Buffer.from('hello, not a photo');
    const att = { ...h.photo(), filename: 'notes.txt', content_type: 'text/plain', size: text.length, url: h.fake.hostFile('notes.txt', text, 'text/plain') };
    expect(await ephemeralReply(h.slash(user, 'stylize', { photo: att, style: 'the-scream' }))).toContain(ERROR_TEXT.notAnImage);
  });

  it('refuses missing options, an unknown preset and a file too big by its metadata', async () => {
    const user = h.user();
    expect(await ephemeralReply(h.slash(user, 'stylize', { photo: h.photo() }))).toContain(ERROR_TEXT.noStyle);
    expect(await ephemeralReply(h.slash(user, 'stylize', { style: 'the-scream' }))).toContain(ERROR_TEXT.noPhoto);
    expect(await ephemeralReply(h.slash(user, 'stylize', { photo: h.photo(), style: 'mona-lisa-smile' }))).toContain('mona-lisa-smile');
    const big = { ...h.photo(), size: 5 * 1024 * 1024 };
    expect(await ephemeralReply(h.slash(user, 'stylize', { photo: big, style: 'the-scream' }))).toContain('too big');
  });

  const deferredThenEphemeral = async (rec: any) => {
    const fake = h.fake;
    const cb = await deferral(fake, rec);
    expect(cb.body.type).toBe(5);
    const fu = await fake.waitFor('ephemeral follow-up', () => followUps(fake, rec).find((r) => (r.body?.flags & 64) === 64), 30_000);
    // The public "thinking…" reply is removed, so only the asker sees what went wrong.
    expect(fake.requestsFor(rec).some((r) => r.method === 'DELETE' && r.path.endsWith('/@original'))).toBe(true);
    return fu.body.content as string;
  };

  it('refuses bytes that are not an image, a download over the cap and a download that hangs', async () => {
    const user = h.user();
    const garbage = Buffer.from('GIF89a this is not really an image at all'.repeat(10));
    const lying = { ...h.photo(), url: h.fake.hostFile('photo.jpg', garbage) };
    expect(await deferredThenEphemeral(h.slash(user, 'stylize', { photo: lying, style: 'the-scream' }))).toContain(ERROR_TEXT.notAnImage);

    const huge = Buffer.alloc(600 * 1024, 1);
    const smallClaim = { ...h.photo(), url: h.fake.hostFile('photo.jpg', huge), size: 1000 };
    expect(await deferredThenEphemeral(h.slash(user, 'stylize', { photo: smallClaim, style: 'the-scream' }))).toContain('too big');

    const hanging = { ...h.photo(), url: h.fake.hostFile('photo.jpg', Buffer.alloc(10), 'image/jpeg', { hang: true }) };
    expect(await deferredThenEphemeral(h.slash(user, 'stylize', { photo: hanging, style: 'the-scream' }))).toContain(ERROR_TEXT.downloadFailed);
  });

  it('a render that fails in the worker: the progress reply goes, an ephemeral note comes', async () => {
    const fake = h.fake;
    const user = h.user();
    await h.services.jobs.queue.pause();
    let rec;
    try {
      rec = h.slash(user, 'stylize', { photo: h.photo(64), style: 'great-wave' });
      const queued = await fake.waitFor('queued', () => originalEdits(fake, rec!).find((r) => /Queued/.test(r.body.content ?? '')));
      // The photo's blob expires before a worker gets to it.
      const cancel = decodeCustomId(customIds(queued.body)[0]);
      const job = cancel?.action === 'cancel' ? await h.services.jobs.queue.getJob(cancel.jobId) : undefined;
      const contentKey = job?.data.request.content.key;
      expect(contentKey).toBeTruthy();
      expect(await h.redis.redis.del(`${h.redis.prefix}:blob:${contentKey}`)).toBe(1);
    } finally {
      await h.services.jobs.queue.resume();
    }
    const note = await fake.waitFor('failure note', () => followUps(fake, rec).find((r) => (r.body?.flags & 64) === 64), 60_000);
    expect(note.body.content).toMatch(/^⚠️ /);
    expect(fake.requestsFor(rec).some((r) => r.method === 'DELETE' && r.path.endsWith('/@original'))).toBe(true);
  });
});

export { messageOf };
