/**
 * `/stylize settings` end to end through the real Bolt app (signed requests) against the fake Slack,
 * and its effect on the next request through the intake (real Redis, queue, worker, engine at 48 px).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORDING } from '../../src/requests/wording.ts';
import { BOT_USER_ID, TEAM_ID } from '../fakes/slack/fake-slack.ts';
import { buttonPayload } from '../fakes/slack/signed-sender.ts';
import { CHANNEL, decodeUpload, hostPhoto, newUser, startSlackStack, statusMessages, waitForEphemeral, waitForUpload, type SlackStack } from './harness.ts';

let s: SlackStack;

beforeAll(async () => {
  s = await startSlackStack();
});
afterAll(async () => s?.close());

async function settings(user: string, text: string, where: { team_id?: string; enterprise_id?: string } = {}): Promise<string> {
  const responseUrl = s.fake.responseUrl();
  const ack = await s.sender.command({ user_id: user, channel_id: CHANNEL, text: `settings ${text}`, response_url: responseUrl, ...where });
  expect(ack.status).toBe(200);
  const answer = await s.fake.waitFor(() => s.fake.responses.find((r) => responseUrl.endsWith(`/respond/${r.id}`)), 'the settings answer');
  expect(answer.body.response_type).toBe('ephemeral');
  return answer.body.text as string;
}

/** `@Easel <preset> [options]` with a photo; resolves with the upload. */
async function mentionJob(user: string, text: string) {
  const photo = await hostPhoto(s.fake);
  const { mention } = s.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> ${text}`, files: [photo] });
  await s.sender.event(mention);
  return { ts: mention.ts, photo };
}

describe('/stylize settings', () => {
  it('is refused for a member who is not a workspace admin, and changes nothing', async () => {
    const member = newUser();
    expect(await settings(member, 'size=64')).toBe(WORDING.notAdmin('workspace admins and owners'));
    const admin = newUser();
    s.fake.admins.add(admin);
    expect(await settings(admin, 'show')).toContain("Default size: 48 px (Easel's default)");
  });

  // Issue #20 (3): is_admin was believed whatever workspace it was about.
  it('an admin of another workspace (a Slack Connect guest) cannot change or read this workspace’s settings', async () => {
    const guest = newUser();
    s.fake.profiles.set(guest, { team_id: 'T0OTHERORG', is_admin: true, is_owner: true, is_stranger: true });
    const refused = await settings(guest, 'uploads=off channels=<#C0ARTONLY|art>');
    expect(refused).toBe(WORDING.notAdmin('admins and owners of this workspace (not of a connected one)'));
    expect(await settings(guest, 'show')).toBe(refused);
    // Nothing was saved: this workspace's own members are unaffected.
    const admin = newUser();
    s.fake.admins.add(admin);
    const shown = await settings(admin, 'show');
    expect(shown).toContain('Channels: all');
    expect(shown).toContain('Members may upload style images: yes');
  });

  it('Enterprise Grid: an org admin of the same org may; a sibling workspace’s admin may not', async () => {
    const grid = { team_id: TEAM_ID, enterprise_id: 'E0GRID' };
    const orgAdmin = newUser();
    s.fake.profiles.set(orgAdmin, { team_id: 'T0SIBLING', is_admin: false, enterprise_user: { enterprise_id: 'E0GRID', is_admin: true, is_owner: false, teams: ['T0SIBLING', TEAM_ID] } });
    expect(await settings(orgAdmin, 'show', grid)).toContain("Easel's settings for this workspace");
    const siblingAdmin = newUser();
    s.fake.profiles.set(siblingAdmin, { team_id: 'T0SIBLING', is_admin: true, enterprise_user: { enterprise_id: 'E0GRID', is_admin: false, is_owner: false, teams: ['T0SIBLING', TEAM_ID] } });
    expect(await settings(siblingAdmin, 'size=64', grid)).toBe(WORDING.notAdmin('admins and owners of this workspace (not of a connected one)'));
    // An org admin of another org is a guest here, too.
    const otherOrg = newUser();
    s.fake.profiles.set(otherOrg, { team_id: 'T0FAR', is_admin: true, enterprise_user: { enterprise_id: 'E0ELSE', is_admin: true, teams: ['T0FAR'] } });
    expect(await settings(otherOrg, 'size=64', grid)).toBe(WORDING.notAdmin('admins and owners of this workspace (not of a connected one)'));
  });

  it("an admin's change takes effect on the next request; a quota refuses the second painting of the day", async () => {
    const admin = newUser();
    s.fake.admins.add(admin);
    const saved = await settings(admin, 'size=64 quota=1 uploads=off');
    expect(saved).toContain('Settings saved');
    expect(saved).toContain('Default size: 64 px');
    expect(saved).toContain('Daily quota per member: 1 pictures');

    const user = newUser();
    const first = await mentionJob(user, 'wreck');
    const upload = await waitForUpload(s.fake, CHANNEL, first.ts);
    const image = await decodeUpload(upload);
    expect(Math.max(image.width, image.height)).toBe(64);
    // The first job is over (its slot free again), so only the quota can refuse the second.
    const [status] = statusMessages(s.fake, CHANNEL, first.ts);
    await s.fake.waitFor(() => status.text.startsWith('✅'), 'the first result to be final');

    await mentionJob(user, 'wreck');
    await waitForEphemeral(s.fake, user, /You've had your 1 painting for today/);

    // A bad value is explained, not saved.
    expect(await settings(admin, 'quota=lots')).toContain('quota must be a whole number');
    expect(await settings(admin, 'quota=off size=default uploads=on')).toContain('Daily quota per member: none');
  });

  // Issue #20 (2): follow-ups on a result painted from an uploaded style image were queued while
  // uploads were off. The policy now sees the style the job would paint with.
  it('uploads=off holds for follow-ups on a result painted from an uploaded style image: a thread photo and the buttons', async () => {
    const admin = newUser();
    s.fake.admins.add(admin);
    const owner = newUser();
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user: owner, text: `<@${BOT_USER_ID}> iterations=2 strength=0.5`, files: [await hostPhoto(s.fake), await hostPhoto(s.fake, 'stata.jpg')] });
    await s.sender.event(mention);
    await waitForUpload(s.fake, CHANNEL, mention.ts);
    const status = await s.fake.waitFor(() => statusMessages(s.fake, CHANNEL, mention.ts).find((m) => m.text.startsWith('✅')), 'the final status');
    expect(await settings(admin, 'uploads=off')).toContain('Members may upload style images: no');

    const jobsBefore = await s.jobs.queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed');
    // A photo posted in the result's thread would be painted with the stored style image.
    const poster = newUser();
    const second = await hostPhoto(s.fake, 'golden_gate.jpg');
    await s.sender.event(s.fake.userMessage({ channel: CHANNEL, user: poster, threadTs: mention.ts, files: [second] }).message);
    await waitForEphemeral(s.fake, poster, /own style images/);
    expect(s.fake.downloads.filter((d) => d.fileId === second.id)).toEqual([]);
    // Reroll, Stronger, Subtler and Higher quality on the result.
    for (const actionId of ['easel_vary_reroll', 'easel_vary_stronger', 'easel_vary_subtler', 'easel_hq']) {
      const value = (status.blocks ?? []).flatMap((b: any) => b.elements ?? []).find((e: any) => e.action_id === actionId)?.value;
      expect(value, actionId).toBeTruthy();
      const clicker = newUser();
      await s.sender.interaction(buttonPayload({ user: clicker, channel: CHANNEL, messageTs: status.ts, threadTs: mention.ts, actionId, value }));
      const refusal = await waitForEphemeral(s.fake, clicker, /own style images/);
      expect(refusal.text).toContain(WORDING.styleUploadsOff);
    }
    expect(await s.jobs.queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed')).toEqual(jobsBefore);
    await settings(admin, 'uploads=on');
  }, 120_000);

  it('channels=<#C…>: elsewhere Easel politely declines before downloading anything', async () => {
    const admin = newUser();
    s.fake.admins.add(admin);
    expect(await settings(admin, 'channels=<#C0ARTONLY|art>')).toContain('Channels: <#C0ARTONLY>');
    const user = newUser();
    const { photo } = await mentionJob(user, 'wreck');
    await waitForEphemeral(s.fake, user, /not enabled in this channel/);
    expect(s.fake.downloads.filter((d) => d.fileId === photo.id)).toEqual([]);
    await settings(admin, 'channels=all');
  });
});
