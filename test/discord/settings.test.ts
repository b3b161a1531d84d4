/**
 * Per-server settings end to end: `/easel-settings` through the real discord.js client against the
 * fake Discord, and their effect on the next `/stylize` through the intake (real Redis, queue, worker
 * and engine; 48 px fast-style renders).
 */
import { PermissionsBitField } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORDING } from '../../src/requests/wording.ts';
import { decodeCustomId } from '../../src/chat/discord/components.ts';
import { callbackOf, customIds, decodes, ephemeralError, messageOf, originalEdits, startHarness, type Harness } from './harness.ts';
import type { InteractionRecord } from '../fakes/discord/fake-discord.ts';

let h: Harness;
const NO_THREADS = PermissionsBitField.resolve(['ViewChannel', 'SendMessages', 'AttachFiles', 'EmbedLinks', 'ReadMessageHistory']).toString();
const MEMBER = PermissionsBitField.resolve(['ViewChannel', 'SendMessages', 'AttachFiles', 'UseApplicationCommands']).toString();
const ADMIN = PermissionsBitField.resolve(['ViewChannel', 'SendMessages', 'AttachFiles', 'UseApplicationCommands', 'ManageGuild']).toString();

beforeAll(async () => {
  h = await startHarness({ name: 'discord-settings', env: { EASEL_MAX_SIZE: '96' } });
});

afterAll(async () => {
  await h?.close();
});

/** The ephemeral answer of a settings command (an immediate reply). */
async function answer(rec: InteractionRecord): Promise<string> {
  const cb = await h.fake.waitFor(`answer to ${rec.id}`, () => callbackOf(h.fake, rec), 10_000);
  expect(cb.body.type).toBe(4);
  expect(cb.body.data.flags & 64).toBe(64);
  return cb.body.data.content;
}

async function resultOf(rec: InteractionRecord) {
  const final = await h.fake.waitFor('result in the reply', () => originalEdits(h.fake, rec).find((r) => r.files.some((f) => f.name === 'easel.png')), 90_000);
  return decodes(final.files[0].bytes);
}

const sizeLine = (text: string) => text.split('\n').find((l) => l.includes('Default size'));

describe('/easel-settings', () => {
  it('refuses a change by a member without Manage Server, and it changes nothing', async () => {
    const member = h.user('mallory');
    const refused = await ephemeralError(h.fake, h.slash(member, 'easel-settings', { size: '40' }, { subcommand: 'set', memberPermissions: MEMBER }));
    expect(refused).toContain(WORDING.notAdmin('members with the Manage Server permission'));
    const shown = await answer(h.slash(h.user('owner'), 'easel-settings', {}, { subcommand: 'show', memberPermissions: ADMIN }));
    expect(sizeLine(shown)).toContain("48 px (Easel's default)");
  });

  it("an admin's change takes effect on the next request: default size, channels, style uploads", async () => {
    const admin = h.user('admin');
    const text = h.fake.channelOfType(0);
    const saved = await answer(h.slash(admin, 'easel-settings', { size: '64', channels: `<#${text.id}>`, uploads: 'off' }, { subcommand: 'set', memberPermissions: ADMIN }));
    expect(saved).toContain('Settings saved');
    expect(sizeLine(saved)).toContain('64 px');
    expect(saved).toContain(`Channels: <#${text.id}>`);

    // /easel-settings show lists them.
    const shown = await answer(h.slash(admin, 'easel-settings', {}, { subcommand: 'show', memberPermissions: ADMIN }));
    expect(shown).toContain('Members may upload style images: no');

    // The next request without a size gets the server's default size (not the deployment's 48).
    const user = h.user('ben');
    const image = await resultOf(h.slash(user, 'stylize', { photo: h.photo(96), style: 'udnie' }, { channel: 'text', appPermissions: NO_THREADS }));
    expect(Math.max(image.width, image.height)).toBe(64);

    // Another channel is refused before anything is downloaded.
    const cdnBefore = h.fake.cdnRequests.length;
    expect(await ephemeralError(h.fake, h.slash(user, 'stylize', { photo: h.photo(64), style: 'udnie' }, { channel: 'voice' }))).toContain(WORDING.channelNotAllowed);
    // Own style images are refused while uploads are off.
    expect(await ephemeralError(h.fake, h.slash(user, 'stylize', { photo: h.photo(64), style_image: h.styleImage(48) }, { channel: 'text' }))).toContain(WORDING.styleUploadsOff);
    expect(h.fake.cdnRequests.length).toBe(cdnBefore);

    // Reset for the next test.
    await answer(h.slash(admin, 'easel-settings', { size: 'default', channels: 'all', uploads: 'on' }, { subcommand: 'set', memberPermissions: ADMIN }));
  });

  // Issue #20 (2): "uploads off" only looked at a new upload, so follow-ups on a result painted
  // from an uploaded style image were queued. The policy now sees the style the job paints with.
  it('uploads off holds for follow-ups on a result painted from an uploaded style image: buttons and a reply with a photo', async () => {
    const admin = h.user('admin-uploads');
    const owner = h.user('uma');
    // Painted while uploads were allowed (in a voice chat: the result and its buttons are in the reply).
    const rec = h.slash(owner, 'stylize', { photo: h.photo(64), style_image: h.styleImage(48), strength: 0.5 }, { channel: 'voice' });
    await resultOf(rec);
    const result = messageOf(h.fake, h.fake.interactions.get(rec.id)!.originalId!);
    const button = (action: string) => customIds(result).find((c) => decodeCustomId(c)?.action === action)!;
    expect(['reroll', 'stronger', 'subtler', 'hq'].map(button).every(Boolean)).toBe(true);

    expect(await answer(h.slash(admin, 'easel-settings', { uploads: 'off' }, { subcommand: 'set', memberPermissions: ADMIN }))).toContain('Settings saved');
    const jobsBefore = await h.services.jobs.queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed');
    for (const action of ['reroll', 'stronger', 'subtler', 'hq']) {
      const click = h.click(h.user(`clicker-${action}`), result, button(action));
      expect(await ephemeralError(h.fake, click), action).toContain(WORDING.styleUploadsOff);
    }
    // A reply to the result with a new photo: refused before the photo is downloaded.
    const photo = h.photo(64);
    const reply = h.say(h.user('replier'), result.channel_id, { attachments: [photo], replyTo: result });
    const said = await h.fake.waitFor('the refusal', () => [...h.fake.messages.values()].find((m) => m.author.id === h.fake.bot.id && m.message_reference?.message_id === reply.id));
    expect(said.content).toContain(WORDING.styleUploadsOff);
    expect(h.fake.cdnRequests.some((p) => photo.url.includes(p))).toBe(false);
    expect(await h.services.jobs.queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed')).toEqual(jobsBefore);

    // A preset is still fine: "Another style" on the same result paints it.
    const another = h.click(h.user('picker'), result, button('another'));
    const picker = await h.fake.waitFor('the style select', () => callbackOf(h.fake, another));
    expect(picker.body.data.content).toContain('Pick another painting');
    await answer(h.slash(admin, 'easel-settings', { uploads: 'on' }, { subcommand: 'set', memberPermissions: ADMIN }));
  }, 120_000);

  it('a daily quota: the second painting of the day is refused, and a refused request gives its quota back', async () => {
    const admin = h.user('admin2');
    await answer(h.slash(admin, 'easel-settings', { quota: '1' }, { subcommand: 'set', memberPermissions: ADMIN }));
    const user = h.user('cleo');
    // A request that fails after admission (the photo is not an image) does not use up the quota.
    const junk = h.fake.hostFile('notes.jpg', Buffer.from('not an image at all, only text'));
    const notImage = h.slash(user, 'stylize', { photo: { ...h.photo(64), url: junk, proxy_url: junk, size: 30 }, style: 'udnie' }, { channel: 'text' });
    expect(await ephemeralError(h.fake, notImage)).toContain(WORDING.notAnImage);

    const image = await resultOf(h.slash(user, 'stylize', { photo: h.photo(64), style: 'udnie' }, { channel: 'text', appPermissions: NO_THREADS }));
    expect(Math.max(image.width, image.height)).toBe(48);
    const second = await ephemeralError(h.fake, h.slash(user, 'stylize', { photo: h.photo(64), style: 'udnie' }, { channel: 'text' }));
    expect(second).toMatch(/You've had your 1 painting for today on this server/);
    // Someone else still has theirs.
    const other = await resultOf(h.slash(h.user('dana'), 'stylize', { photo: h.photo(64), style: 'udnie' }, { channel: 'text', appPermissions: NO_THREADS }));
    expect(other.width).toBeGreaterThan(0);
    await answer(h.slash(admin, 'easel-settings', { quota: 'off' }, { subcommand: 'set', memberPermissions: ADMIN }));
  });

  it('refuses a bad value with words for the admin', async () => {
    const text = await ephemeralError(h.fake, h.slash(h.user('admin3'), 'easel-settings', { 'max-size': 'huge' }, { subcommand: 'set', memberPermissions: ADMIN }));
    expect(text).toContain('max-size must be a whole number of pixels');
  });
});
