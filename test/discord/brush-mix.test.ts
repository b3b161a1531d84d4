/**
 * Brush size, mixing two paintings and finding the image, end to end: the real discord.js client
 * against the fake Discord, the real queue, worker and engine on Redis (32 px optimisations, a few
 * iterations each, so each render takes a second or two on a CPU).
 */
import { PermissionsBitField } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/images/index.ts';
import { WORDING } from '../../src/requests/wording.ts';
import { ephemeralError, followUps, originalEdits, startHarness, type Harness } from './harness.ts';
import type { InteractionRecord } from '../fakes/discord/fake-discord.ts';

let h: Harness;
const NO_THREADS = PermissionsBitField.resolve(['ViewChannel', 'SendMessages', 'AttachFiles', 'EmbedLinks', 'ReadMessageHistory']).toString();

beforeAll(async () => {
  h = await startHarness({ name: 'discord-brush-mix' });
});

afterAll(async () => {
  await h?.close();
});

/** The result posted into the interaction's reply (threads not allowed): caption and decoded pixels. */
async function resultOf(rec: InteractionRecord) {
  const final = await h.fake.waitFor('result in the reply', () => originalEdits(h.fake, rec).find((r) => r.files.some((f) => f.name === 'easel.png')), 120_000);
  return { content: final.body.content as string, image: await decodeImage(final.files[0].bytes) };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

const painted = { size: 32, quality: 'draft' } as const;

describe('/stylize brush', () => {
  it('brush:fine and brush:bold paint the same photo and painting differently (the style scale changed)', async () => {
    const user = h.user('brushy');
    const fine = await resultOf(h.slash(user, 'stylize', { photo: h.photo(64), style: 'starry-night', brush: 'fine', ...painted }, { channel: 'text', appPermissions: NO_THREADS }));
    const bold = await resultOf(h.slash(user, 'stylize', { photo: h.photo(64), style: 'starry-night', brush: 'bold', ...painted }, { channel: 'text', appPermissions: NO_THREADS }));
    expect(Math.max(fine.image.width, fine.image.height)).toBe(32);
    expect(bold.image.width).toBe(fine.image.width);
    expect(meanAbsDiff(fine.image.data, bold.image.data)).toBeGreaterThan(1);
  });
});

describe('/stylize style2 mix', () => {
  it('mixes two paintings: both named in the caption, and a different picture from the first painting alone', async () => {
    const user = h.user('mixer');
    const alone = await resultOf(h.slash(user, 'stylize', { photo: h.photo(64), style: 'starry-night', ...painted }, { channel: 'text', appPermissions: NO_THREADS }));
    const mixed = await resultOf(h.slash(user, 'stylize', { photo: h.photo(64), style: 'starry-night', style2: 'the-scream', mix: 0.7, ...painted }, { channel: 'text', appPermissions: NO_THREADS }));
    expect(alone.content).not.toContain('The Scream');
    expect(mixed.content).toMatch(/Starry Night.* \+ The Scream/);
    expect(meanAbsDiff(alone.image.data, mixed.image.data)).toBeGreaterThan(1);
  });

  it('refuses a mix without a second painting, or with an unknown one, at once', async () => {
    const user = h.user('mixer2');
    expect(await ephemeralError(h.fake, h.slash(user, 'stylize', { photo: h.photo(64), style: 'starry-night', mix: 0.7 }))).toContain(WORDING.mixNeedsTwo);
    expect(await ephemeralError(h.fake, h.slash(user, 'stylize', { photo: h.photo(64), style: 'starry-night', style2: 'nope-nope' }))).toContain('I don\'t know a style called “nope-nope”');
  });
});

describe('/stylize without a photo', () => {
  it('paints the most recent image posted in the channel, saying whose it is', async () => {
    const poster = h.user('poster');
    const text = h.fake.channelOfType(0);
    const photo = h.photo(64);
    h.say(poster, text.id, { content: 'look at this', attachments: [photo] });
    h.say(h.user('chatter'), text.id, { content: 'nice!' });

    const rec = h.slash(h.user('asker'), 'stylize', { style: 'udnie', size: 40 }, { channel: 'text', appPermissions: NO_THREADS });
    const { image } = await resultOf(rec);
    expect(Math.max(image.width, image.height)).toBe(40);
    // It read the channel's last 50 messages, said whose image it used, and fetched that one.
    const history = h.fake.requestsMatching('GET', new RegExp(`^/channels/${text.id}/messages$`));
    expect(history.at(-1)?.query.get('limit')).toBe('50');
    expect(followUps(h.fake, rec).some((r) => (r.body?.flags & 64) === 64 && r.body.content?.includes(`Using the image posted by <@${poster.id}>`))).toBe(true);
    expect(h.fake.cdnRequests).toContain(new URL(photo.url).pathname);
  });

  it('says so when there is no image to be found, or the history may not be read', async () => {
    const user = h.user('lonely');
    const voice = h.fake.channelOfType(2);
    h.say(user, voice.id, { content: 'no pictures here' });
    expect(await ephemeralError(h.fake, h.slash(user, 'stylize', { style: 'udnie' }, { channel: 'voice' }))).toContain(WORDING.noRecentImage(50));
    const cannotRead = PermissionsBitField.resolve(['ViewChannel', 'SendMessages', 'AttachFiles']).toString();
    expect(await ephemeralError(h.fake, h.slash(user, 'stylize', { style: 'udnie' }, { channel: 'text', appPermissions: cannotRead }))).toContain(WORDING.cannotReadHistory);
  });
});
