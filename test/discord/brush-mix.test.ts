/**
 * Brush size, mixing two paintings and finding the image, end to end: the real discord.js client
 * against the fake Discord, the real queue, worker and engine on Redis (32 px optimisations, a few
 * iterations each, so each render takes a second or two on a CPU).
 */
import { PermissionsBitField } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/images/index.ts';
import { originalEdits, startHarness, type Harness } from './harness.ts';
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
