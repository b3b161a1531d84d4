/**
 * End to end through the real discord.js client and the fake Discord, with the real queue, worker
 * and engine (fast-style networks at 48 px): an animated photo comes back animated, each variation
 * button queues the variation it names for the clicker, and Delete is the asker's (or a moderator's).
 */
import { PermissionFlagsBits } from 'discord.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORDING } from '../../src/requests/wording.ts';
import { decodeCustomId } from '../../src/chat/discord/components.ts';
import { encodeCustomId } from '../../src/chat/discord/custom-ids.ts';
import { variationUnavailable } from '../../src/requests/variations.ts';
import { attachment, slashCommand, type ApiAttachment, type ApiMessage, type ApiUser } from '../fakes/discord/payloads.ts';
import type { InteractionRecord } from '../fakes/discord/fake-discord.ts';
import { expectPaintedAnimation, expectVariationJob, photoClip, VARIATION_CASES } from '../helpers/chat-features.ts';
import { customIds, deferral, ephemeralError, messageOf, originalEdits, startHarness, type Harness } from './harness.ts';

const MAX_FRAMES = 6;
let h: Harness;
/** ada's still result (in the reply: a voice chat allows no threads), reused by the button tests. */
let result: { message: ApiMessage; owner: ApiUser } | undefined;

beforeAll(async () => {
  h = await startHarness({ name: 'discord-variations', env: { EASEL_GIF_MAX_FRAMES: String(MAX_FRAMES) } });
});

afterAll(async () => {
  await h?.close();
});

async function gifAttachment(frames: number): Promise<{ att: ApiAttachment; bytes: Buffer }> {
  const bytes = await photoClip(frames);
  return { att: attachment(h.fake.hostFile('clip.gif', bytes, 'image/gif'), bytes, { filename: 'clip.gif', contentType: 'image/gif' }), bytes };
}

/** The interaction's reply once it carries a file: the request and the stored message. */
async function resultOf(rec: InteractionRecord) {
  const post = await h.fake.waitFor('result in the reply', () => originalEdits(h.fake, rec).find((r) => r.files.length > 0), 90_000);
  return { post, message: messageOf(h.fake, h.fake.interactions.get(rec.id)!.originalId!) };
}

function idFor(message: ApiMessage, action: string): string {
  const id = customIds(message).find((c) => decodeCustomId(c)?.action === action);
  if (!id) throw new Error(`no ${action} button on message ${message.id}`);
  return id;
}

describe('animated photos in chat', () => {
  it('a 6-frame GIF comes back as a 6-frame GIF, painted, under the upload limit, its caption saying frames', async () => {
    const { att, bytes } = await gifAttachment(6);
    const rec = h.slash(h.user('gif-ada'), 'stylize', { photo: att, style: 'the-scream' }, { channel: 'voice' });
    const { post } = await resultOf(rec);
    const file = post.files[0];
    expect(file.name).toBe('easel.gif');
    expect(file.bytes.length).toBeLessThanOrEqual(10 * 1024 * 1024);
    await expectPaintedAnimation(file.bytes, bytes, 6);
    expect(post.body.content).toContain('6 frames');

  });

  it('where the painted GIF would not fit the channel\'s upload limit, its first frame goes instead, under the limit', async () => {
    const { att } = await gifAttachment(6);
    const limit = 3_000; // bytes: below this 6-frame GIF, above a 48×36 JPEG
    const rec = h.fake.sendInteraction(slashCommand({ ...h.where(h.user('gif-cy'), 'voice'), attachmentSizeLimit: limit }, 'stylize', { photo: att, style: 'udnie' }));
    const { post } = await resultOf(rec);
    const file = post.files[0];
    expect(file.name).toMatch(/^easel\.(png|jpg)$/);
    expect(file.bytes.length).toBeLessThanOrEqual(limit);
    expect((await sharp(file.bytes).metadata()).pages ?? 1).toBe(1);
    expect(post.body.content).toContain('6 frames');
  });

  it('a GIF over EASEL_GIF_MAX_FRAMES is refused before any work, saying the limit', async () => {
    const { att } = await gifAttachment(MAX_FRAMES + 1);
    const counts = () => h.services.jobs.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    const before = await counts();
    const rec = h.slash(h.user('gif-bob'), 'stylize', { photo: att, style: 'the-scream' }, { channel: 'voice' });
    const text = await ephemeralError(h.fake, rec);
    expect(text).toContain(`at most ${MAX_FRAMES}`);
    // Refused by the intake from the header: no job was ever made.
    expect(await counts()).toEqual(before);
  });
});

describe('variation buttons on a result', () => {
  beforeAll(async () => {
    const owner = h.user('ada');
    const rec = h.slash(owner, 'stylize', { photo: h.photo(64), style: 'the-scream', strength: 0.5 }, { channel: 'voice' });
    const { post, message } = await resultOf(rec);
    const actions = customIds(post.body).map((id) => decodeCustomId(id)?.action);
    expect(actions).toEqual(['another', 'hq', 'reroll', 'stronger', 'subtler', 'colours', 'delete']);
    result = { message, owner };
  }, 120_000);

  it.each(VARIATION_CASES)('%s queues that variation of the same photo and style, owned by the clicker', async (action, expected) => {
    const jobs = h.services.jobs;
    const clicker = h.user(`clicker-${action}`);
    await jobs.queue.pause();
    try {
      const click = h.click(clicker, result!.message, idFor(result!.message, action));
      expect((await deferral(h.fake, click)).body.type).toBe(5);
      const queued = await h.fake.waitFor('queued', () => originalEdits(h.fake, click).find((r) => customIds(r.body).some((c) => c.startsWith('easel:cancel:'))));
      const cancel = decodeCustomId(customIds(queued.body).find((c) => c.startsWith('easel:cancel:'))!);
      if (cancel?.action !== 'cancel') throw new Error('no cancel button');
      const job = await jobs.queue.getJob(cancel.jobId!);
      expect((await jobs.ownerOf(cancel.jobId!))?.userId).toBe(clicker.id);
      expectVariationJob(job, action, expected, clicker.id);
      await jobs.cancel(cancel.jobId!, clicker.id, h.fake.guildId);
    } finally {
      await jobs.queue.resume();
    }
  });

  it('at full strength Stronger is not offered, and a stale Stronger button is refused kindly', async () => {
    // strength 1 is a whole number: say it is a number option (type 10), as Discord does.
    const rec = h.fake.sendInteraction(slashCommand(h.where(h.user('max'), 'voice'), 'stylize', { photo: h.photo(64), style: 'the-scream', strength: 1 }, { numberOptions: ['strength'] }));
    const { post, message } = await resultOf(rec);
    const actions = customIds(post.body).map((id) => decodeCustomId(id)?.action);
    expect(actions).toContain('subtler');
    expect(actions).not.toContain('stronger');
    const recipeKey = (decodeCustomId(idFor(message, 'subtler')) as { recipeKey: string }).recipeKey;
    const stale = h.click(h.user('late'), message, encodeCustomId({ action: 'stronger', recipeKey }));
    expect(await ephemeralError(h.fake, stale)).toContain(variationUnavailable('stronger'));
  }, 120_000);

  // Issue #20 (4): Delete believed the owner written in the custom id. A client that forges it —
  // naming the presser as owner, or naming a job the presser owns — must still be refused.
  it('a forged Delete custom id (naming the presser, or the presser’s own job) is refused: the owner comes from Easel’s record', async () => {
    const { message } = result!;
    const mallory = h.user('mallory-forger');
    const member = { memberPermissions: String(PermissionFlagsBits.SendMessages) };
    // The presser's own result, so that a job id they own exists.
    const own = await resultOf(h.slash(mallory, 'stylize', { photo: h.photo(64), style: 'udnie' }, { channel: 'voice' }));
    const ownJobId = (decodeCustomId(idFor(own.message, 'delete')) as { jobId: string }).jobId;
    expect((await h.services.jobs.ownerOf(ownJobId))?.userId).toBe(mallory.id);
    for (const forged of [`easel:delete:${mallory.id}`, encodeCustomId({ action: 'delete', jobId: ownJobId })]) {
      const click = h.click(mallory, message, forged, undefined, member);
      expect(await ephemeralError(h.fake, click), forged).toContain(WORDING.notYoursToDelete);
    }
    expect(h.fake.messages.has(message.id)).toBe(true);
    expect(h.logText()).toContain('discord: delete refused');
  }, 120_000);

  it('Delete by someone else is refused; by a moderator or the asker it deletes the message', async () => {
    const { message, owner } = result!;
    const deleteId = idFor(message, 'delete');
    const stranger = h.click(h.user('mallory'), message, deleteId, undefined, { memberPermissions: String(PermissionFlagsBits.SendMessages) });
    expect(await ephemeralError(h.fake, stranger)).toContain(WORDING.notYoursToDelete);
    expect(h.fake.messages.has(message.id)).toBe(true);

    const byOwner = h.click(owner, message, deleteId, undefined, { memberPermissions: String(PermissionFlagsBits.SendMessages) });
    await h.fake.waitFor('message deleted', () => (h.fake.messages.has(message.id) ? undefined : true));
    expect(h.fake.requestsFor(byOwner).some((r) => r.method === 'DELETE' && r.path.endsWith('/messages/@original') && r.status === 204)).toBe(true);
  });

  it('a member with Manage Messages may delete anyone’s result', async () => {
    const rec = h.slash(h.user('zoe'), 'stylize', { photo: h.photo(64), style: 'udnie' }, { channel: 'voice' });
    const { message } = await resultOf(rec);
    h.click(h.user('mod'), message, idFor(message, 'delete'), undefined, { memberPermissions: String(PermissionFlagsBits.ManageMessages | PermissionFlagsBits.SendMessages) });
    await h.fake.waitFor('message deleted by the moderator', () => (h.fake.messages.has(message.id) ? undefined : true));
  }, 120_000);
});
