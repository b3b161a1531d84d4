/**
 * The same /stylize on Discord, on Slack and from the CLI gives the same effective options (issue 24):
 * real discord.js against the fake Discord, real Bolt against the fake Slack, the real `easel stylize`
 * in a child process — each with the same deployment caps (EASEL_MAX_SIZE 64, default quality fast).
 *
 * The input asks for what none of them may give as asked: a size over the cap and quality fast for a
 * mix of two paintings (a mix has no fast network). One decision everywhere: the size is capped and
 * the mix painted at draft, and the user is told both, in the same words.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Job } from 'bullmq';
import { PermissionsBitField } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORDING } from '../../src/requests/wording.ts';
import { followUps, startHarness, type Harness } from '../discord/harness.ts';
import { BOT_USER_ID } from '../fakes/slack/fake-slack.ts';
import { CHANNEL, hostPhoto, newUser, photoPath, startSlackStack, waitForEphemeral, type SlackStack } from '../slack/harness.ts';

const CAPS = { EASEL_MAX_SIZE: '64', EASEL_DEFAULT_SIZE: '48', EASEL_DEFAULT_QUALITY: 'fast' };
const NO_THREADS = PermissionsBitField.resolve(['ViewChannel', 'SendMessages', 'AttachFiles', 'EmbedLinks', 'ReadMessageHistory']).toString();

/** What every entry point must make of the input. */
const EFFECTIVE = { size: 64, quality: 'draft', strength: 0.3, preserveColors: false, seed: 0, brush: 'bold' };
const NOTES = [WORDING.mixHasNoFastNetwork('draft'), WORDING.capped('size', 64, WORDING.easelLimit)];

let discord: Harness;
let slack: SlackStack;
let dir: string;

beforeAll(async () => {
  [discord, slack, dir] = await Promise.all([
    startHarness({ name: 'same-request-discord', env: CAPS }),
    startSlackStack({ env: CAPS }),
    mkdtemp(path.join(os.tmpdir(), 'easel-same-request-')),
  ]);
});
afterAll(async () => {
  await Promise.all([discord?.close(), slack?.close(), dir && rm(dir, { recursive: true, force: true })]);
});

/** The job of `userId` in a queue, once it is there (polled: the intake queues it after its downloads). */
async function jobOf(queue: SlackStack['jobs']['queue'], userId: string, timeoutMs = 30_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed']);
    const job = jobs.find((j) => j?.data?.request?.user?.id === userId);
    if (job) return job;
    if (Date.now() > until) throw new Error(`no job of ${userId} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('one request, three entry points, the same effective options', () => {
  it('Discord: size 2048 (cap 64), strength 0.3, brush bold, Starry Night + The Scream at quality fast', async () => {
    const user = discord.user('same-discord');
    const rec = discord.slash(user, 'stylize', { photo: discord.photo(64), style: 'starry-night', style2: 'the-scream', mix: 0.7, size: 2048, strength: 0.3, quality: 'fast', brush: 'bold' }, { channel: 'text', appPermissions: NO_THREADS });
    const job = await jobOf(discord.services.jobs.queue, user.id);
    expect(job.data.options).toEqual(EFFECTIVE);
    expect(job.data.notes).toEqual(NOTES);
    // The request keeps what was asked as accepted, so a follow-up button is not told it again.
    expect(job.data.request.options).toEqual({ size: 64, strength: 0.3, quality: 'draft', brush: 'bold' });
    // The asker is told, privately.
    const note = await discord.fake.waitFor('the notes', () => followUps(discord.fake, rec).find((r) => (r.body?.flags & 64) === 64 && String(r.body.content).includes('size capped')), 30_000);
    for (const text of NOTES) expect(note.body.content).toContain(text);
    // …after the deferred reply got its first words: a follow-up to a reply still "thinking" would replace it.
    const requests = discord.fake.requestsFor(rec);
    const firstEdit = requests.findIndex((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
    expect(requests[firstEdit]?.body.content).toContain(WORDING.gettingReady);
    expect(firstEdit).toBeLessThan(requests.indexOf(note));
  });

  it('Slack: the same words after @Easel', async () => {
    const user = newUser();
    const photo = await hostPhoto(slack.fake);
    const { mention } = slack.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> starry-night+the-scream mix=0.7 size=2048 strength=0.3 quality=fast brush=bold`, files: [photo] });
    await slack.sender.event(mention);
    const job = await jobOf(slack.jobs.queue, user);
    expect(job.data.options).toEqual(EFFECTIVE);
    expect(job.data.notes).toEqual(NOTES);
    const note = await waitForEphemeral(slack.fake, user, /size capped/);
    for (const text of NOTES) expect(note.text).toContain(text);
  });

  it('Slack: a mix share out of range is capped the same way (Discord\'s client cannot send one)', async () => {
    const user = newUser();
    const photo = await hostPhoto(slack.fake);
    const { mention } = slack.fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> starry-night+the-scream mix=1.5 size=32 quality=draft`, files: [photo] });
    await slack.sender.event(mention);
    await waitForEphemeral(slack.fake, user, /mix capped at 0\.95 — the most there is/);
    const job = await jobOf(slack.jobs.queue, user);
    expect(job.data.request.style).toEqual({ kind: 'preset', presetId: 'starry-night', blend: { presetId: 'the-scream', mix: 0.95 } });
  });

  it('CLI: the same flags to `easel stylize`, painted with the same effective options', async () => {
    const out = path.join(dir, 'same.png');
    const args = ['bin/easel.js', 'stylize', photoPath('dancer_ballerina.jpg'), '--style', 'starry-night', '--style', 'the-scream', '--blend', '0.7,0.3', '--size', '2048', '--strength', '0.3', '--quality', 'fast', '--brush', 'bold', '--json', '-o', out];
    const { stdout } = await promisify(execFile)(process.execPath, args, { env: { ...process.env, ...CAPS, LOG_LEVEL: 'silent' }, timeout: 180_000 });
    const r = JSON.parse(stdout.trim());
    expect(r.effective).toEqual(EFFECTIVE);
    expect(r.notes).toEqual(NOTES);
    expect(r).toMatchObject({ quality: 'draft', output: out });
    expect(Math.max(r.width, r.height)).toBe(64);
  });
});
