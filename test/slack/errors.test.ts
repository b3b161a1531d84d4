/**
 * End to end over HTTP, the unhappy paths: forged and stale requests, every user error, refusals,
 * Cancel, retried event deliveries and a rate-limited chat.update — on the real stack (see harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { BOT_USER_ID } from '../fakes/slack/fake-slack.ts';
import { buttonPayload, commandPayload, slackSignature } from '../fakes/slack/signed-sender.ts';
import { WORDING } from '../../src/requests/wording.ts';
import {
  CHANNEL,
  NOT_MEMBER_CHANNEL,
  SIGNING_SECRET,
  decodeUpload,
  hasCancelButton,
  hostPhoto,
  newUser,
  photoBytes,
  startSlackStack,
  statusMessages,
  uploadsInThread,
  waitForEphemeral,
  waitForUpload,
  type SlackStack,
} from './harness.ts';

let s: SlackStack;

beforeAll(async () => {
  s = await startSlackStack();
});
afterAll(async () => s?.close());

const mentionWith = (user: string, text: string, files: any[] = []) => s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> ${text}`, files: files.length ? files : undefined });

describe('requests that are not from Slack', () => {
  it('refuses a forged signature and a stale (replayed) request with 401, doing nothing', async () => {
    const before = s.fake.calls.length;
    const body = new URLSearchParams(commandPayload({ user_id: newUser(), channel_id: CHANNEL, text: 'great-wave' })).toString();
    const forged = await s.sender.post(body, 'application/x-www-form-urlencoded', { signature: slackSignature('not-the-secret', Math.floor(Date.now() / 1000), body) });
    expect(forged.status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    const replayed = await s.sender.post(body, 'application/x-www-form-urlencoded', { timestamp: stale, signature: slackSignature(SIGNING_SECRET, stale, body) });
    expect(replayed.status).toBe(401);
    // The same request signed properly is accepted (so the 401s were about the signature and the age).
    const genuine = await s.sender.post(body, 'application/x-www-form-urlencoded');
    expect(genuine.status).toBe(200);
    await s.fake.waitFor(() => s.fake.callsOf('chat.postMessage').length > 0 && s.fake.calls.length > before, 'the genuine prompt');
    expect(s.fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  });
});

describe('/stylize answers mistakes privately in its ack', () => {
  it('an unknown preset, with suggestions', async () => {
    const res = await s.sender.command({ user_id: newUser(), channel_id: CHANNEL, text: 'scremm' });
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect(res.json.text).toContain('I don\'t know a style called “scremm”');
    expect(res.json.text).toContain('`the-scream`');
  });

  it('bad options, all of them at once', async () => {
    // Only what cannot be read is refused (a number out of range is capped with a note: test/requests/same-everywhere.test.ts).
    const res = await s.sender.command({ user_id: newUser(), channel_id: CHANNEL, text: 'great-wave strength=lots size=big' });
    expect(res.json.response_type).toBe('ephemeral');
    expect(res.json.text).toMatch(/strength must be a number from 0 to 1/);
    expect(res.json.text).toMatch(/size must be a number \(e\.g\. size=512\), not “big”/);
  });

  it('a channel Easel is not in: told (via response_url) to invite it', async () => {
    const user = newUser();
    const responseUrl = s.fake.responseUrl();
    await s.sender.command({ user_id: user, channel_id: NOT_MEMBER_CHANNEL, text: 'great-wave', response_url: responseUrl });
    const answer = await s.fake.waitFor(() => s.fake.responses.find((r) => responseUrl.endsWith(r.id)), 'the response_url answer');
    expect(answer.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('/invite @Easel') });
  });

  it('/stylize styles: the list in the ack, the gallery image in a DM', async () => {
    const user = newUser();
    const res = await s.sender.command({ user_id: user, channel_id: CHANNEL, text: 'styles' });
    expect(res.json.response_type).toBe('ephemeral');
    for (const id of ['starry-night', 'great-wave', 'the-scream']) expect(res.json.text).toContain(`\`${id}\``);
    const gallery = await s.fake.waitFor(() => s.fake.uploads.find((u) => u.channel === `D${user}`), 'the gallery in a DM');
    const meta = await sharp(gallery.bytes).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(100);
  });
});

describe('@Easel mistakes are answered with an ephemeral message, and no job', () => {
  it('no photo', async () => {
    const user = newUser();
    await s.sender.event(mentionWith(user, 'great-wave').mention);
    await waitForEphemeral(s.fake, user, new RegExp(escape(WORDING.noPhoto)));
  });

  it('no style outside a result thread', async () => {
    const user = newUser();
    await s.sender.event(mentionWith(user, 'size=40', [await hostPhoto(s.fake)]).mention);
    await waitForEphemeral(s.fake, user, new RegExp(escape(WORDING.noStyle)));
  });

  it('an unknown preset (nothing downloaded)', async () => {
    const user = newUser();
    const photo = await hostPhoto(s.fake);
    await s.sender.event(mentionWith(user, 'mona-lisa-smile', [photo]).mention);
    await waitForEphemeral(s.fake, user, /I don't know a style called “mona-lisa-smile”/);
    expect(s.fake.downloads.filter((d) => d.fileId === photo.id)).toEqual([]);
  });

  it('a file that is not an image (nothing downloaded)', async () => {
    const user = newUser();
    const doc = s.fake.hostFile(Buffer.from('meeting notes'), 'notes.txt', 'text/plain');
    await s.sender.event(mentionWith(user, 'great-wave', [doc]).mention);
    await waitForEphemeral(s.fake, user, new RegExp(escape(WORDING.notAnImage)));
    expect(s.fake.downloads.filter((d) => d.fileId === doc.id)).toEqual([]);
  });

  it('a photo over the size cap — by its metadata, and when the metadata lies, by counting bytes', async () => {
    const user = newUser();
    const big = await photoBytes('mona_lisa.jpg'); // 1.1 MB > EASEL_MAX_UPLOAD_BYTES (600 000)
    const honest = s.fake.hostFile(big, 'mona.jpg', 'image/jpeg');
    await s.sender.event(mentionWith(user, 'great-wave', [honest]).mention);
    await waitForEphemeral(s.fake, user, /too big — the limit is 0\.6 MB/);
    expect(s.fake.downloads.filter((d) => d.fileId === honest.id)).toEqual([]);

    const liar = s.fake.hostFile(big, 'mona.jpg', 'image/jpeg', { declaredSize: 1000 });
    const user2 = newUser();
    await s.sender.event(mentionWith(user2, 'great-wave', [liar]).mention);
    await waitForEphemeral(s.fake, user2, /too big — the limit is 0\.6 MB/);
    expect(s.fake.downloads.filter((d) => d.fileId === liar.id)).toHaveLength(1);
  });

  it('a download that stalls: given up after EASEL_DOWNLOAD_TIMEOUT_MS', async () => {
    const user = newUser();
    const stalled = s.fake.hostFile(await photoBytes(), 'photo.jpg', 'image/jpeg', { hang: true });
    await s.sender.event(mentionWith(user, 'great-wave', [stalled]).mention);
    await waitForEphemeral(s.fake, user, new RegExp(escape(WORDING.downloadFailed)));
  });

  it('a file that claims to be an image but is not', async () => {
    const user = newUser();
    const fakePng = s.fake.hostFile(Buffer.from('definitely not a PNG, just text pretending'), 'photo.png', 'image/png');
    const { mention } = mentionWith(user, 'great-wave', [fakePng]);
    await s.sender.event(mention);
    const told = await waitForEphemeral(s.fake, user, /./);
    expect(told.text).not.toBe(WORDING.queueDown);
    expect(told.text).not.toBe(WORDING.downloadFailed);
    expect(statusMessages(s.fake, CHANNEL, mention.ts)).toEqual([]);
  });
});

describe('jobs in flight', () => {
  it('a retried event delivery (same event_id) starts one job, not two', async () => {
    const user = newUser();
    const { mention } = mentionWith(user, 'the-scream size=32', [await hostPhoto(s.fake)]);
    const first = await s.sender.event(mention);
    await s.sender.event(mention, { eventId: first.eventId, retryNum: 1 });
    await s.sender.event(mention, { eventId: first.eventId, retryNum: 2 });
    await waitForUpload(s.fake, CHANNEL, mention.ts);
    await new Promise((r) => setTimeout(r, 500));
    expect(uploadsInThread(s.fake, CHANNEL, mention.ts)).toHaveLength(1);
    expect(statusMessages(s.fake, CHANNEL, mention.ts)).toHaveLength(1);
  });

  it('Cancel: only the owner may; a second job of the same user is refused while one runs; cancelling stops it with no upload', async () => {
    const owner = newUser();
    // A long optimisation render (thousands of steps at 48 px) so there is time to cancel it.
    const { mention } = mentionWith(owner, 'starry-night quality=balanced iterations=5000 size=48', [await hostPhoto(s.fake)]);
    await s.sender.event(mention);
    const [status] = await s.fake.waitFor(() => {
      const found = statusMessages(s.fake, CHANNEL, mention.ts);
      return found.length === 1 && hasCancelButton(found[0]) && /Painting/.test(found[0].text) ? found : undefined;
    }, 'a running job with a Cancel button');

    // The same user again while it runs: refused (EASEL_USER_MAX_JOBS=1), privately, no status left behind.
    const again = mentionWith(owner, 'great-wave', [await hostPhoto(s.fake)]).mention;
    await s.sender.event(again);
    await waitForEphemeral(s.fake, owner, /already have a painting in progress/);
    expect(statusMessages(s.fake, CHANNEL, again.ts).filter((m) => !m.deleted)).toEqual([]);

    const button = status.blocks!.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === 'easel_cancel');
    const stranger = newUser();
    await s.sender.interaction(buttonPayload({ user: stranger, channel: CHANNEL, messageTs: status.ts, threadTs: mention.ts, actionId: 'easel_cancel', value: button.value }));
    await waitForEphemeral(s.fake, stranger, new RegExp(`Only <@${owner}> can cancel`));

    await s.sender.interaction(buttonPayload({ user: owner, channel: CHANNEL, messageTs: status.ts, threadTs: mention.ts, actionId: 'easel_cancel', value: button.value }));
    await s.fake.waitFor(() => status.text.includes(WORDING.cancelled), 'the cancelled status', 60_000);
    expect(hasCancelButton(status)).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(uploadsInThread(s.fake, CHANNEL, mention.ts)).toEqual([]);
  });

  it('a render that fails in the worker (the photo expired before a worker got to it): the status says so, nothing is uploaded', async () => {
    const user = newUser();
    await s.jobs.queue.pause();
    let mention: any;
    try {
      mention = mentionWith(user, 'great-wave size=40', [await hostPhoto(s.fake)]).mention;
      await s.sender.event(mention);
      const queued = await s.fake.waitFor(() => statusMessages(s.fake, CHANNEL, mention.ts).find((m) => hasCancelButton(m) && /Queued/.test(m.text)), 'the queued status');
      const { jobId } = JSON.parse(queued.blocks!.flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === 'easel_cancel').value);
      const job = await s.jobs.queue.getJob(jobId);
      const contentKey = job?.data.request.content.key;
      expect(contentKey).toBeTruthy();
      expect(await s.redis.redis.del(`${s.redis.prefix}:blob:${contentKey}`)).toBe(1);
    } finally {
      await s.jobs.queue.resume();
    }
    const [status] = statusMessages(s.fake, CHANNEL, mention.ts);
    await s.fake.waitFor(() => status.text.startsWith('⚠️'), 'the failed status', 60_000);
    expect(hasCancelButton(status)).toBe(false);
    expect(uploadsInThread(s.fake, CHANNEL, mention.ts)).toEqual([]);
  });

  it('a 429 on chat.update: the status waits Retry-After and the painting is still delivered', async () => {
    const user = newUser();
    const channel = 'C0RATELIMITED';
    s.fake.failWhen('chat.update', (args) => args.channel === channel, { status: 429, retryAfter: 1 }, { status: 429, retryAfter: 1 });
    const { mention } = s.fake.userMessage({ channel, user, text: `<@${BOT_USER_ID}> great-wave size=44`, files: [await hostPhoto(s.fake)] });
    await s.sender.event(mention);
    const upload = await waitForUpload(s.fake, channel, mention.ts);
    const img = await decodeUpload(upload);
    expect(Math.max(img.width, img.height)).toBe(44);
    const [status] = statusMessages(s.fake, channel, mention.ts);
    await s.fake.waitFor(() => status.text.startsWith('✅'), 'the final status after the rate limit', 30_000);
    const updates = s.fake.callsOf('chat.update').filter((c) => c.args.ts === status.ts);
    expect(updates.filter((u) => u.status === 429)).toHaveLength(2);
    const firstLimited = updates.findIndex((u) => u.status === 429);
    const nextOk = updates.slice(firstLimited).find((u) => u.status === 200)!;
    expect(nextOk.at - updates[firstLimited].at).toBeGreaterThanOrEqual(950);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
