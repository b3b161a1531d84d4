/**
 * One editor per job (issue 22 item 6): three `easel bot` processes (real CLI children, one shard
 * of three each) share Redis with a worker; every REST call reaches the fake Discord through a
 * per-process address, so the fake knows which process made it.
 *
 *   - each job's status message is edited by one process only, never sooner than
 *     EASEL_EDIT_INTERVAL_MS after its previous edit, and its result is posted by that process, once
 *   - SIGKILL the process that is editing a job mid-render: the edits resume from another process,
 *     still spaced by the interval, and the result is posted once
 *
 * The renders are the project's stepped no-op renderer (delivery is the subject here: a steady
 * stream of progress for a few seconds); its result is a real PNG that goes through the real
 * Discord port. Prints "edits per status message" for the closing note (EASEL_EDIT_INTERVAL_MS from
 * the environment overrides the test's interval for that measurement).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../src/log.ts';
import { noopRenderer } from '../../src/jobs/render.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { FakeDiscord, type InteractionRecord, type RecordedRequest } from '../fakes/discord/fake-discord.ts';
import { attachment, humanUser, slashCommand } from '../fakes/discord/payloads.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { FAST_DELIVERY } from '../faults/harness.ts';
import { startDiscordBot, type DiscordBotProcess } from './bot-processes.ts';
import { smallJpeg } from './harness.ts';
import { SHARDED_BOT_ENV } from './sharded-bot.ts';

const INTERVAL_MS = Number(process.env.EASEL_EDIT_INTERVAL_MS ?? 1000);
const STEPS = 40;
const STEP_MS = 200;
/** The fake records a request when it arrives; the next edit starts an interval after the last one ended. */
const CLOCK_SLACK_MS = 5;

let fake: FakeDiscord;
let redis: TestRedis;
let worker: RunningWorker;
const bots: DiscordBotProcess[] = [];
let photo: Buffer;

beforeAll(async () => {
  redis = await testRedis('one-editor');
  fake = await new FakeDiscord({ guilds: { count: 3, shardCount: 3 }, gatewayBot: { shards: 3 }, identifyWindowMs: 100 }).start();
  const env = (shard: number) =>
    redis.env({
      LOG_LEVEL: 'info',
      DISCORD_SHARD_COUNT: '3',
      DISCORD_SHARDS: String(shard),
      ...SHARDED_BOT_ENV,
      EASEL_EDIT_INTERVAL_MS: String(INTERVAL_MS),
      ...FAST_DELIVERY,
    });
  const config = redis.config(env(0));
  worker = await startWorker(config, { renderer: noopRenderer({ steps: STEPS, stepMs: STEP_MS }), concurrency: 4, progressIntervalMs: 0 }, silentLogger);
  bots.push(...(await Promise.all([0, 1, 2].map((shard) => startDiscordBot(fake, `bot-${shard}`, env(shard))))));
  photo = await smallJpeg(readFileSync(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg')), 64);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(bots.map((b) => b.stop()));
  await worker?.close();
  await fake?.close();
  await redis?.cleanup();
});

let strength = 0.3;
/** A /stylize in a guild's text channel; a new strength each time, so no result comes from the cache. */
function stylize(guildId: string): InteractionRecord {
  strength = Math.round((strength + 0.05) * 100) / 100;
  const file = attachment(fake.hostFile('photo.jpg', photo), photo, { filename: 'photo.jpg' });
  return fake.sendInteraction(slashCommand({ guildId, channel: fake.textChannelOf(guildId), user: humanUser('u') }, 'stylize', { photo: file, style: 'the-scream', strength }));
}

/** Edits of the job's status message (the interaction's reply), in order. */
const editsOf = (rec: InteractionRecord): RecordedRequest[] => fake.requestsFor(rec).filter((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
/** The result: a post with the image in the thread started from the reply (or, where no thread could be started, the reply edited with it). */
const resultPostsOf = (rec: InteractionRecord): RecordedRequest[] => {
  const thread = fake.interactions.get(rec.id)?.originalId;
  const inThread = fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).filter((r) => r.path === `/channels/${thread}/messages`);
  return [...inThread, ...editsOf(rec)].filter((r) => r.files.length > 0 && r.status === 200);
};
/** Messages with an image the user sees for this job: in its thread, or the reply itself. */
const resultMessagesOf = (rec: InteractionRecord) => {
  const original = fake.interactions.get(rec.id)?.originalId;
  return fake.imageMessages().filter((m) => m.channel_id === original || m.id === original);
};
const isProgress = (r: RecordedRequest) => /Painting|Queued/.test(String(r.body?.content ?? ''));

/** On a timeout: what the fake saw of these interactions, and the end of each bot's log. */
function explain(recs: InteractionRecord[]) {
  return (err: unknown): never => {
    for (const rec of recs) console.error(fake.requestsFor(rec).map((q) => `${q.via} ${q.method} ${q.status} ${q.path.replace(rec.token, 'T')} ${JSON.stringify(q.body)?.slice(0, 120)}`).join('\n'));
    for (const b of bots) console.error(`── ${b.marker}\n${b.output().split('\n').slice(-25).join('\n')}`);
    throw err;
  };
}

function expectSpaced(edits: RecordedRequest[]): void {
  for (let i = 1; i < edits.length; i++) expect(edits[i].at - edits[i - 1].at, `edit ${i} of ${edits.length}`).toBeGreaterThanOrEqual(INTERVAL_MS - CLOCK_SLACK_MS);
}

describe('three bot processes: one editor per job', () => {
  it('each job\'s status message is edited by one process only, never faster than the interval; one result each', async () => {
    const guilds = [...fake.guilds.keys()].filter((g) => g !== fake.guildId);
    expect(guilds).toHaveLength(3);
    const recs = guilds.map((g) => stylize(g));
    await fake.waitFor('three results', () => recs.every((r) => resultPostsOf(r).length > 0), 120_000).catch(explain(recs));
    await new Promise((r) => setTimeout(r, 1_000)); // let any late or duplicate call arrive before counting

    const perJob = recs.map((rec) => {
      const edits = editsOf(rec).filter((r) => r.status === 200);
      return { edits, progress: edits.filter(isProgress), editors: new Set(edits.map((e) => e.via)), posters: new Set(resultPostsOf(rec).map((p) => p.via)) };
    });
    const editsPerMessage = perJob.reduce((n, j) => n + j.edits.length, 0) / perJob.length;
    console.info(`[one editor] 3 bot processes, interval ${INTERVAL_MS} ms, render ${STEPS}×${STEP_MS} ms: edits per status message ${editsPerMessage.toFixed(1)} (progress ${perJob.map((j) => j.progress.length).join('/')}), editors per message ${perJob.map((j) => j.editors.size).join('/')}`);
    // The three slash commands came in through three different processes (one shard each)…
    expect(new Set(recs.map((rec) => fake.requestsFor(rec).find((r) => r.path.endsWith('/callback'))?.via)).size).toBe(3);
    for (const [i, job] of perJob.entries()) {
      // …yet each status message has one editor, which also posts the result, once.
      expect(job.editors.size, `editors of job ${i}`).toBe(1);
      expect([...job.posters]).toEqual([...job.editors]);
      expect(job.progress.length).toBeGreaterThanOrEqual(2);
      expectSpaced(job.edits);
      expect(resultMessagesOf(recs[i])).toHaveLength(1);
    }
  }, 180_000);

  it('SIGKILL the process editing a job mid-render: edits resume from another, one result', async () => {
    const guild = [...fake.guilds.keys()].filter((g) => g !== fake.guildId)[0];
    const rec = stylize(guild);
    const first = await fake.waitFor('two progress edits', () => {
      const progress = editsOf(rec).filter((r) => r.status === 200 && isProgress(r));
      return progress.length >= 2 && progress;
    });
    const editor = bots.find((b) => b.marker === first[0].via)!;
    expect(editor).toBeDefined();
    await editor.kill();
    const killedAt = Date.now();
    await fake.waitFor('the result after the kill', () => resultPostsOf(rec).length > 0, 60_000).catch(explain([rec]));
    await new Promise((r) => setTimeout(r, 1_000));

    const edits = editsOf(rec).filter((r) => r.status === 200);
    const after = edits.filter((e) => e.at > killedAt);
    const progressAfter = after.filter(isProgress);
    expect(progressAfter.length, 'progress edits after the kill').toBeGreaterThanOrEqual(1);
    expect(new Set(after.map((e) => e.via)).size).toBe(1);
    expect(after[0].via).not.toBe(editor.marker);
    expect(edits.filter((e) => e.at <= killedAt).every((e) => e.via === editor.marker)).toBe(true);
    expectSpaced(edits);
    expect(resultMessagesOf(rec)).toHaveLength(1);
    expect(new Set(resultPostsOf(rec).map((p) => p.via))).toEqual(new Set([after[0].via]));
    console.info(`[one editor] SIGKILL of the editor (${editor.marker}) after ${first.length} progress edits: ${after.length} edits after it, all by ${after[0].via}; results posted: ${resultMessagesOf(rec).length}`);
  }, 120_000);
});
