/**
 * The hostile-input suite (`npm run test:hostile`): what an attacker in a server or workspace can
 * send, driven through the real adapters (discord.js and Bolt against the loopback fakes, the real
 * jobs client, worker and Redis). For each: a clear message to the user, zero connections to the
 * target (a loopback listener standing for Redis, the ops port or a metadata service counts every
 * connection it accepts), and nothing stored.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WORDING } from '../../src/requests/wording.ts';
import { attachment, messagePayload } from '../fakes/discord/payloads.ts';
import { customIds, ephemeralError, messageOf, originalEdits, startHarness, type Harness } from '../discord/harness.ts';
import { BOT_USER_ID, TEAM_ID } from '../fakes/slack/fake-slack.ts';
import { eventEnvelope, viewSubmissionPayload } from '../fakes/slack/signed-sender.ts';
import { CHANNEL, hostPhoto, newUser, startSlackStack, waitForEphemeral, type SlackStack } from '../slack/harness.ts';
import type { TestRedis } from '../helpers/redis.ts';
import { countingServer, type CountingServer } from '../helpers/counting-server.ts';

/** Bytes Redis holds under this run's prefix (MEMORY USAGE of every key), and the pending uploads. */
async function storedBytes(r: TestRedis): Promise<number> {
  let total = 0;
  for (const key of await r.keys()) total += Number((await r.redis.call('MEMORY', 'USAGE', key)) ?? 0);
  return total;
}
const pendingUploads = (r: TestRedis) => r.redis.zcard(`${r.prefix}:pending-blobs`);
const usedMemory = async (r: TestRedis) => Number(/used_memory:(\d+)/.exec(await r.redis.info('memory'))?.[1] ?? 0);

/** Distinct photos (noise, so every one is a different blob of tens of KB). */
async function noisePhotos(n: number, side = 224): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      const raw = Buffer.alloc(side * side * 3);
      for (let j = 0; j < raw.length; j++) raw[j] = (j * 7919 + i * 104729 + ((j * i) % 251)) & 255;
      return sharp(raw, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
    }),
  );
}

describe('Discord', () => {
  let h: Harness;
  let target: CountingServer;
  beforeAll(async () => {
    target = await countingServer();
    h = await startHarness({ name: 'hostile-discord', env: { EASEL_USER_COOLDOWN_S: '600' } });
  });
  afterAll(async () => {
    await h?.close();
    await target?.close();
  });
  /** Pending uploads when the test began: a refused request must add none. */
  let pendingBefore = 0;
  beforeEach(async () => {
    pendingBefore = await pendingUploads(h.redis);
  });

  const channelId = () => h.fake.channelOfType(0).id;

  /** A message whose only image is an embed (as a webhook or another bot can post). */
  function embedMessage(image: { url: string; proxy_url?: string }) {
    const msg = messagePayload({ channelId: channelId(), author: h.user('webhook'), content: 'look' });
    msg.embeds = [{ type: 'rich', image }];
    return h.fake.sendUserMessage(msg);
  }

  /** Pick a style in the select the "Stylize image" menu showed. */
  async function pickStyle(user: ReturnType<Harness['user']>, rec: { id: string }) {
    const fake = h.fake;
    await fake.waitFor('the style select', () => originalEdits(fake, rec as never).find((r) => customIds(r.body).some((c) => c.startsWith('easel:style:'))));
    const picker = messageOf(fake, fake.interactions.get(rec.id)!.originalId!);
    const styleId = customIds(picker).find((c) => c.startsWith('easel:style:'))!;
    return h.click(user, { ...picker, channel_id: channelId() }, styleId, ['udnie']);
  }

  it('an embed pointing at a loopback port: not an image I can paint, nothing fetched', async () => {
    const user = h.user();
    const before = await storedBytes(h.redis);
    const rec = h.contextMenu(user, embedMessage({ url: `${target.origin}/latest/meta-data/` }));
    expect(await ephemeralError(h.fake, rec)).toContain(WORDING.noImageInMessage);
    expect(target.connections()).toBe(0);
    expect(await storedBytes(h.redis)).toBeLessThanOrEqual(before);
  });

  it('an embed whose proxy_url points at loopback: refused when the style is picked, nothing fetched or stored', async () => {
    const user = h.user();
    const rec = h.contextMenu(user, embedMessage({ url: `${target.origin}/a.png`, proxy_url: `${target.origin}/a.png` }));
    const pick = await pickStyle(user, rec);
    expect(await ephemeralError(h.fake, pick)).toBe(`⚠️ ${WORDING.untrustedSource}`);
    expect(target.connections()).toBe(0);
    expect(await pendingUploads(h.redis)).toBe(pendingBefore + 1); // only the menu's small recipe: nothing was fetched
  });

  it('an attachment whose CDN URL 302-redirects to loopback: refused at the hop, no connection there', async () => {
    const user = h.user();
    const bytes = (await noisePhotos(1))[0];
    const url = h.fake.hostFile('photo.jpg', bytes, 'image/jpeg', { redirectTo: `${target.origin}/redis` });
    const rec = h.slash(user, 'stylize', { photo: attachment(url, bytes), style: 'the-scream' });
    expect(await ephemeralError(h.fake, rec)).toBe(`⚠️ ${WORDING.untrustedSource}`);
    expect(h.fake.cdnRequests.some((p) => url.includes(p))).toBe(true); // the CDN was asked…
    expect(target.connections()).toBe(0); // …the redirect's target never
    expect(await pendingUploads(h.redis)).toBe(pendingBefore);
  });

  it('an http:// URL (and any host but Discord’s own): refused before connecting', async () => {
    const user = h.user();
    const rec = h.slash(user, 'stylize', { photo: attachment(`${target.origin}/photo.jpg`, 1000), style: 'the-scream' });
    expect(await ephemeralError(h.fake, rec)).toBe(`⚠️ ${WORDING.untrustedSource}`);
    expect(target.connections()).toBe(0);
    expect(await pendingUploads(h.redis)).toBe(pendingBefore);
  });

  it('a declared 1 GB Content-Length behind small metadata: too big, the body never read', async () => {
    const user = h.user();
    const bytes = (await noisePhotos(1))[0];
    const url = h.fake.hostFile('photo.jpg', bytes, 'image/jpeg', { declaredLength: 1024 ** 3 });
    const rec = h.slash(user, 'stylize', { photo: attachment(url, bytes), style: 'the-scream' });
    expect(await ephemeralError(h.fake, rec)).toContain('too big');
    expect(await pendingUploads(h.redis)).toBe(pendingBefore);
  });

  it('a file that is not an image: refused by its header, nothing stored', async () => {
    const user = h.user();
    const text = Buffer.from('#!/bin/sh\necho this is not a photo, whatever its name says\n'.repeat(20));
    const url = h.fake.hostFile('photo.jpg', text, 'image/jpeg');
    const rec = h.slash(user, 'stylize', { photo: attachment(url, text), style: 'the-scream' });
    expect(await ephemeralError(h.fake, rec)).toBe(`⚠️ ${WORDING.notAnImage}`);
    expect(await pendingUploads(h.redis)).toBe(pendingBefore);
    // The reservation taken before the download was given back (the cooldown stays spent).
    const slots = `${h.redis.prefix}:user:discord:${h.fake.guildId}:${user.id}`;
    expect(await h.redis.redis.zcard(`${slots}:jobs`)).toBe(0);
    expect(await h.redis.redis.zcard(`${h.redis.prefix}:admitting`)).toBe(0);
    expect(await h.redis.redis.pttl(`${slots}:cool`)).toBeGreaterThan(0);
  });

  it('40 refused requests in a row from one user: no download, Redis grows by less than 1 MB', async () => {
    const user = h.user('flood');
    // The first request spends the cooldown (600 s) — its file is no image, so nothing renders.
    const junk = Buffer.from('not an image '.repeat(50));
    const first = h.slash(user, 'stylize', { photo: attachment(h.fake.hostFile('a.jpg', junk), junk), style: 'the-scream' });
    expect(await ephemeralError(h.fake, first)).toBe(`⚠️ ${WORDING.notAnImage}`);

    const photos = await noisePhotos(40); // 40 distinct photos, ~2 MB together
    expect(photos.reduce((n, p) => n + p.length, 0)).toBeGreaterThan(1024 * 1024);
    const urls = photos.map((p, i) => h.fake.hostFile(`p${i}.jpg`, p));
    const beforeKeys = await storedBytes(h.redis);
    const beforeInfo = await usedMemory(h.redis);
    for (const [i, url] of urls.entries()) {
      const rec = h.slash(user, 'stylize', { photo: attachment(url, photos[i]), style: 'the-scream' });
      expect(await ephemeralError(h.fake, rec)).toMatch(/please wait \d+ s/);
    }
    const grewKeys = (await storedBytes(h.redis)) - beforeKeys;
    const grewInfo = (await usedMemory(h.redis)) - beforeInfo;
    console.log(`hostile: 40 refused requests: keys under the prefix grew by ${grewKeys} bytes (MEMORY USAGE); INFO used_memory moved by ${grewInfo} bytes (shared Redis: other runs move it too)`);
    expect(grewKeys).toBeLessThan(1024 * 1024);
    expect(h.fake.cdnRequests.filter((p) => urls.some((u) => u.includes(p)))).toEqual([]);
    expect(await pendingUploads(h.redis)).toBe(pendingBefore);
  });

  it('the limits hold through buttons: a style picked from the menu during the cooldown is refused, nothing fetched', async () => {
    const user = h.user();
    const bytes = (await noisePhotos(2, 96))[1];
    const first = h.slash(user, 'stylize', { photo: h.photo(), style: 'the-scream' });
    await h.fake.waitFor('the first job queued', () => h.fake.requestsFor(first).find((r) => r.method === 'PATCH' && /Queued|Painting/.test(r.body?.content ?? '')), 30_000);
    const url = h.fake.hostFile('other.jpg', bytes);
    const target2 = h.say(user, channelId(), { content: 'this one too', attachments: [attachment(url, bytes)] });
    const pick = await pickStyle(user, h.contextMenu(user, target2));
    expect(await ephemeralError(h.fake, pick)).toMatch(/please wait \d+ s/);
    expect(h.fake.cdnRequests.some((p) => url.includes(p))).toBe(false);
  });
});

// Issue #20 (1): a refused request gave back its reservation and quota but left the photo it had
// already stored as a pending blob, so a few such requests filled the pending budget for everyone.
describe('Discord, a small pending-upload budget', () => {
  let h: Harness;
  let photos: Buffer[];
  beforeAll(async () => {
    photos = await noisePhotos(2, 200);
    // Room for one of these photos, not for two.
    const budget = Math.max(...photos.map((p) => p.length)) + 2048;
    expect(budget).toBeLessThan(photos[0].length + photos[1].length);
    h = await startHarness({ name: 'hostile-pending', env: { EASEL_PENDING_BLOB_BUDGET_BYTES: String(budget) } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Bytes the pending uploads hold: what the budget counts. */
  async function pendingBytes(): Promise<number> {
    let total = 0;
    for (const hash of await h.redis.redis.zrange(`${h.redis.prefix}:pending-blobs`, 0, '-1')) total += await h.redis.redis.strlen(`${h.redis.prefix}:blob:${hash}`);
    return total;
  }

  it('a photo with a style image that is not an image: refused, the photo it stored given back, the next member accepted', async () => {
    const [photoA, photoB] = photos;
    const notPng = Buffer.from('this is a text file that says it is a PNG\n'.repeat(40));
    const style = attachment(h.fake.hostFile('style.png', notPng, 'image/png'), notPng, { filename: 'style.png', contentType: 'image/png' });
    const mallory = h.user('mallory');
    const refused = h.slash(mallory, 'stylize', { photo: attachment(h.fake.hostFile('a.jpg', photoA), photoA), style_image: style });
    expect(await ephemeralError(h.fake, refused)).toBe(`⚠️ ${WORDING.notAnImage}`);
    // Both files were fetched (in parallel), and nothing of them is left.
    expect(h.fake.cdnRequests.filter((p) => p.endsWith('/a.jpg') || p.endsWith('/style.png'))).toHaveLength(2);
    expect(await pendingUploads(h.redis)).toBe(0);
    expect(await pendingBytes()).toBe(0);
    expect((await h.redis.keys()).filter((k) => k.includes(':blob:'))).toEqual([]);
    const slots = `${h.redis.prefix}:user:discord:${h.fake.guildId}:${mallory.id}`;
    expect(await h.redis.redis.zcard(`${slots}:jobs`)).toBe(0);
    expect(await h.redis.redis.zcard(`${h.redis.prefix}:admitting`)).toBe(0);

    // The next member's ordinary request fits the budget again.
    const rec = h.slash(h.user('next'), 'stylize', { photo: attachment(h.fake.hostFile('b.jpg', photoB), photoB), style: 'the-scream' });
    await h.fake.waitFor('the next request queued', () => h.fake.requestsFor(rec).find((r) => r.method === 'PATCH' && /Queued|Painting|✅/.test(r.body?.content ?? '')), 30_000);
    expect(h.logText()).not.toContain('pending uploads over budget');
  });
});

describe('Slack', () => {
  let s: SlackStack;
  let target: CountingServer;
  beforeAll(async () => {
    target = await countingServer();
    s = await startSlackStack({ env: { EASEL_USER_COOLDOWN_S: '600' } });
  });
  afterAll(async () => {
    await s?.close();
    await target?.close();
  });

  const mention = (user: string, text: string, files: unknown[]) => s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> ${text}`, files: files as never }).mention;

  it('a file whose url_private names a foreign host: refused, no connection there, the token never sent', async () => {
    const user = newUser();
    const file = { id: 'F0FOREIGN1', name: 'photo.jpg', mimetype: 'image/jpeg', filetype: 'jpg', size: 2000, url_private: `${target.origin}/files-pri/T-F/photo.jpg`, url_private_download: `${target.origin}/files-pri/T-F/photo.jpg?download=1` };
    await s.sender.event(mention(user, 'great-wave', [file]));
    await waitForEphemeral(s.fake, user, new RegExp(WORDING.untrustedSource.slice(0, 30)));
    expect(target.connections()).toBe(0);
    expect(target.seen).toEqual([]);
    expect(await pendingUploads(s.redis)).toBe(0);
  });

  it('the cooldown holds through the modal', async () => {
    const user = newUser();
    const first = await hostPhoto(s.fake);
    await s.sender.event(mention(user, 'great-wave', [first]));
    await s.fake.waitFor(() => s.fake.downloads.some((d) => d.fileId === first.id), 'the first photo fetched');
    const photo = await hostPhoto(s.fake);
    const view = { id: `V${user}`, callback_id: 'easel_stylize', private_metadata: JSON.stringify({ channel: CHANNEL }), state: { values: {} } };
    const values = { photo: { file: { type: 'file_input', files: [photo] } }, preset: { select: { type: 'static_select', selected_option: { value: 'the-scream' } } } };
    const res = await s.sender.interaction(viewSubmissionPayload({ user, view, values, viewId: view.id }));
    expect(res.status).toBe(200);
    await waitForEphemeral(s.fake, user, /please wait \d+ s/);
    expect(s.fake.downloads.filter((d) => d.fileId === photo.id)).toEqual([]);
  });

  it('two workspaces with a colliding user id do not share limits', async () => {
    const user = newUser();
    await s.sender.event(mention(user, 'great-wave', [await hostPhoto(s.fake)]));
    const inA = await s.fake.waitFor(() => s.fake.downloads.length, 'workspace A downloads');
    // The same user id in another workspace is another person: not in A's cooldown.
    const other = { ...eventEnvelope(mention(user, 'the-scream', [await hostPhoto(s.fake)])), team_id: `${TEAM_ID}OTHER` };
    await s.sender.post(JSON.stringify(other), 'application/json');
    await s.fake.waitFor(() => s.fake.downloads.length > inA, 'workspace B’s photo fetched too');
    // …while a second request in A is refused.
    await s.sender.event(mention(user, 'udnie', [await hostPhoto(s.fake)]));
    await waitForEphemeral(s.fake, user, /please wait \d+ s/);
  });
});
