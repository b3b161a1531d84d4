/**
 * Several whole bot processes of one sharded bot against the fake Discord (issue 22's tests): each
 * an Easel stack as `easel bot` / `easel worker` start it, on its own shard range, sharing Redis;
 * quick renders (48 px, quality fast). And what those tests read back: one request's answer, a
 * reply with a photo and its painting, and "every delivery is recorded" (nothing more will come).
 *
 *   const a = await startShardedBot(fake, redis, { DISCORD_SHARD_COUNT: '2', DISCORD_SHARDS: '0' }, { worker: true });
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, vi } from 'vitest';
import { startServices, type Services } from '../../src/cli/serve.ts';
import type { Config } from '../../src/config.ts';
import { keys } from '../../src/jobs/keys.ts';
import type { FakeDiscord, InteractionRecord, RecordedRequest } from '../fakes/discord/fake-discord.ts';
import { attachment, humanUser, messagePayload, type ApiAttachment, type ApiMessage } from '../fakes/discord/payloads.ts';
import { REPO_ROOT, type TestRedis } from '../helpers/redis.ts';
import { smallJpeg } from './harness.ts';

/** What every test bot process shares: a short identify window, quick renders, no cooldown, one attempt. */
export const SHARDED_BOT_ENV: Record<string, string> = {
  EASEL_IDENTIFY_WINDOW_MS: '100',
  EASEL_DEFAULT_SIZE: '48',
  EASEL_MAX_SIZE: '64',
  EASEL_DEFAULT_QUALITY: 'fast',
  EASEL_USER_COOLDOWN_S: '0',
  EASEL_METRICS_PORT: '0',
  EASEL_JOB_ATTEMPTS: '1',
};

/** A bot process's configuration: the fake's token and API and SHARDED_BOT_ENV; `env` on top (shards, leases…). */
export function shardedBotConfig(fake: FakeDiscord, redis: TestRedis, env: Record<string, string> = {}): Config {
  return redis.config({ DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase, ...SHARDED_BOT_ENV, ...env });
}

/** One process: a bot (default), a worker, or both. Logs go nowhere unless EASEL_TEST_LOG is set. */
export async function startShardedBot(fake: FakeDiscord, redis: TestRedis, env: Record<string, string>, roles: { bot?: boolean; worker?: boolean } = {}): Promise<Services> {
  const log = pino({ level: 'debug' }, new Writable({ write: (c, _e, done) => (process.env.EASEL_TEST_LOG && process.stderr.write(c), done()) }));
  return startServices(shardedBotConfig(fake, redis, env), log, { bot: roles.bot ?? true, worker: roles.worker ?? false });
}

const PHOTO = readFileSync(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'));
const photos = new Map<number, Promise<Buffer>>();

/** The photo, `side` px, hosted on the fake CDN; another side is another photo (no result-cache hit). */
export async function photoOn(fake: FakeDiscord, side = 48): Promise<ApiAttachment> {
  if (!photos.has(side)) photos.set(side, smallJpeg(PHOTO, side));
  const bytes = await photos.get(side)!;
  return attachment(fake.hostFile('photo.jpg', bytes), bytes, { filename: 'photo.jpg' });
}

/**
 * Uploads that answer an interaction with its painting: an edit of its reply, or a post in a
 * thread started from it. Exactly one per request when all is well.
 */
export function resultUploads(fake: FakeDiscord, rec: InteractionRecord): RecordedRequest[] {
  const original = fake.interactions.get(rec.id)?.originalId;
  const inThread = fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).filter((r) => r.path === `/channels/${original}/messages`);
  return [...fake.requestsFor(rec), ...inThread].filter((r) => r.files.length > 0 && r.status === 200);
}

/** The message that shows an interaction's painting (its reply, or the post in its thread), once there. */
export function resultMessage(fake: FakeDiscord, rec: InteractionRecord): ApiMessage | undefined {
  const original = fake.interactions.get(rec.id)?.originalId;
  if (!original) return undefined;
  return [...fake.messages.values()].find((m) => m.author.id === fake.bot.id && (m.id === original || m.channel_id === original) && m.attachments.length > 0);
}

/** A user's reply with a photo to `result` (stored and dispatched to the shard of `result`'s guild). */
export async function replyWithPhoto(fake: FakeDiscord, result: ApiMessage, side = 48): Promise<ApiMessage> {
  const guildId = fake.channels.get(result.channel_id)?.guild_id ?? fake.guildId;
  return fake.sendUserMessage(messagePayload({ channelId: result.channel_id, author: humanUser('r'), attachments: [await photoOn(fake, side)], reference: { message_id: result.id, channel_id: result.channel_id, guild_id: guildId } }));
}

/** The bot's status message(s) answering a user's message. */
export function statusesOf(fake: FakeDiscord, reply: ApiMessage): ApiMessage[] {
  return [...fake.messages.values()].filter((m) => m.author.id === fake.bot.id && m.message_reference?.message_id === reply.id);
}

/** Edits of those status messages that carry the painting. */
export function paintedEdits(fake: FakeDiscord, reply: ApiMessage): RecordedRequest[] {
  return statusesOf(fake, reply).flatMap((s) => fake.requestsMatching('PATCH', new RegExp(`/messages/${s.id}$`)).filter((r) => r.files.some((f) => f.name === 'easel.png') && r.status === 200));
}

/** Every job handed to delivery has been delivered and recorded: a duplicate would have been posted by now. */
export async function allDelivered(redis: TestRedis, timeoutMs = 30_000): Promise<void> {
  const pending = keys(redis.prefix).pending('discord');
  await vi.waitFor(async () => expect(await redis.redis.hlen(pending)).toBe(0), { timeout: timeoutMs, interval: 50 });
}
