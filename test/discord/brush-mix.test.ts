/**
 * Brush size, mixing two paintings and finding the image, end to end: the real discord.js client
 * against the fake Discord, the real queue, worker and engine on Redis (32 px optimisations, a few
 * iterations each, so each render takes a second or two on a CPU).
 */
import { PermissionsBitField } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/images/index.ts';
import { WORDING } from '../../src/requests/wording.ts';
import { ephemeralError, originalEdits, startHarness, type Harness } from './harness.ts';
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
