/**
 * The Discord end-to-end harness: a fake Discord on loopback, a unique prefix on the real Redis,
 * and Easel started the way `easel start` starts it (startServices: jobs client, worker with the
 * real engine, the Discord adapter with the real discord.js client). Photos are real JPEGs made
 * small with sharp so renders stay quick.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { startServices, type Services } from '../../src/cli/serve.ts';
import { DISCORD_INTERACTIONS_PATH, type Config } from '../../src/config.ts';
import type { DiscordAdapter } from '../../src/chat/discord/index.ts';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACT_PATHS } from '../../src/log.ts';
import { decodeImage } from '../../src/images/index.ts';
import { testRedis, REPO_ROOT, type TestRedis } from '../helpers/redis.ts';
import { FakeDiscord, type FakeDiscordOptions, type InteractionRecord, type RecordedRequest } from '../fakes/discord/fake-discord.ts';
import { attachment, humanUser, messageCommand, messagePayload, slashCommand, componentInteraction, type ApiAttachment, type ApiMessage, type ApiUser, type OptionValue } from '../fakes/discord/payloads.ts';

export interface Harness {
  fake: FakeDiscord;
  redis: TestRedis;
  config: Config;
  /** The environment `config` was made from (another process of the same deployment starts from it). */
  env: Record<string, string>;
  services: Services;
  /** Every log line the whole stack wrote (debug level), for checking that no secret is logged. */
  logText(): string;
  /** A new user (each test its own, so per-user limits do not interfere). */
  user(name?: string): ApiUser;
  /** Where an interaction happens: the text channel (threads allowed) or the voice chat (none). */
  where(user: ApiUser, channel?: 'text' | 'voice' | any): { guildId: string; channel: any; user: ApiUser };
  /** A real photo (JPEG, longest side `side`) hosted on the fake CDN, as an attachment. */
  photo(side?: number, file?: string): ApiAttachment;
  styleImage(side?: number): ApiAttachment;
  slash(user: ApiUser, name: string, options: Record<string, OptionValue>, opts?: { channel?: 'text' | 'voice' | any; createdAt?: number; focused?: string; appPermissions?: string; memberPermissions?: string; subcommand?: string }): InteractionRecord;
  contextMenu(user: ApiUser, target: ApiMessage, channel?: 'text' | 'voice'): InteractionRecord;
  /** `memberPermissions`: the clicker's permissions (a bitfield string); all of them when absent. */
  click(user: ApiUser, message: ApiMessage, customId: string, values?: string[], opts?: { memberPermissions?: string }): InteractionRecord;
  /** A user's message in a channel (stored and dispatched). */
  say(user: ApiUser, channelId: string, m: { content?: string; attachments?: ApiAttachment[]; replyTo?: ApiMessage; mentionBot?: boolean }): ApiMessage;
  close(): Promise<void>;
}

const PHOTO = readFileSync(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'));
const STYLE = readFileSync(path.join(REPO_ROOT, 'presets/images/starry_night.jpg'));

export async function smallJpeg(bytes: Buffer, side: number): Promise<Buffer> {
  return sharp(bytes).resize(side, side, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
}

export async function startHarness(opts: { env?: Record<string, string>; fake?: FakeDiscordOptions; name?: string } = {}): Promise<Harness> {
  const redis = await testRedis(opts.name ?? 'discord');
  const fake = await new FakeDiscord(opts.fake).start();
  const env: Record<string, string> = {
    DISCORD_TOKEN: fake.token,
    DISCORD_API_BASE: fake.apiBase,
    EASEL_DEFAULT_SIZE: '48',
    EASEL_MAX_SIZE: '64',
    EASEL_DEFAULT_QUALITY: 'fast',
    EASEL_USER_COOLDOWN_S: '0',
    EASEL_MAX_UPLOAD_BYTES: String(400 * 1024),
    EASEL_DOWNLOAD_TIMEOUT_MS: '1500',
    EASEL_METRICS_PORT: '0',
    EASEL_JOB_ATTEMPTS: '1',
    // HTTP-interactions mode: the endpoint on a free port, verified with the fake's public key.
    ...(fake.interactionsMode === 'http' ? { EASEL_DISCORD_INTERACTIONS: 'http', DISCORD_PUBLIC_KEY: fake.publicKeyHex, PORT: '0' } : {}),
    ...opts.env,
  };
  const config = redis.config(env);
  // The logger createLogger makes (same redaction), writing into memory at debug level.
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      if (process.env.EASEL_TEST_LOG) process.stderr.write(chunk);
      done();
    },
  });
  const log = pino({ name: 'easel', level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  const services = await startServices(config, log, { bot: true, worker: true });
  const endpointPort = services.adapters.map((a) => (a as DiscordAdapter).interactionsPort).find((p) => p !== undefined);
  if (endpointPort !== undefined) fake.interactionsEndpoint = `http://127.0.0.1:${endpointPort}${DISCORD_INTERACTIONS_PATH}`;
  const photos = new Map<string, Buffer>();
  const small = async (src: Buffer, side: number, key: string) => {
    if (!photos.has(key)) photos.set(key, await smallJpeg(src, side));
    return photos.get(key)!;
  };
  // Prepared up front so `photo()` can stay synchronous.
  for (const side of [64, 96]) await small(PHOTO, side, `photo-${side}`);
  for (const side of [48, 64]) await small(STYLE, side, `style-${side}`);

  const channelOf = (c: 'text' | 'voice' | any = 'text') => (c === 'text' ? fake.channelOfType(0) : c === 'voice' ? fake.channelOfType(2) : c);
  const where = (user: ApiUser, channel?: 'text' | 'voice' | any) => {
    const ch = channelOf(channel);
    return { guildId: ch?.guild_id ?? fake.guildId, channel: ch, user };
  };

  return {
    fake,
    redis,
    config,
    env,
    services,
    logText: () => lines.join(''),
    user: (name) => humanUser(name),
    where,
    photo(side = 96) {
      const bytes = photos.get(`photo-${side}`);
      if (!bytes) throw new Error(`no prepared photo of side ${side}`);
      return attachment(fake.hostFile('photo.jpg', bytes), bytes, { filename: 'photo.jpg' });
    },
    styleImage(side = 48) {
      const bytes = photos.get(`style-${side}`);
      if (!bytes) throw new Error(`no prepared style image of side ${side}`);
      return attachment(fake.hostFile('style.jpg', bytes), bytes, { filename: 'style.jpg' });
    },
    slash(user, name, options, o = {}) {
      return fake.sendInteraction(slashCommand({ ...where(user, o.channel), appPermissions: o.appPermissions, memberPermissions: o.memberPermissions }, name, options, { focused: o.focused, subcommand: o.subcommand }), { createdAt: o.createdAt });
    },
    contextMenu(user, target, channel) {
      return fake.sendInteraction(messageCommand(where(user, channel), 'Stylize image', target));
    },
    click(user, message, customId, values, o = {}) {
      const channel = fake.channels.get(message.channel_id);
      return fake.sendInteraction(componentInteraction({ ...where(user, channel), memberPermissions: o.memberPermissions }, message, customId, values));
    },
    say(user, channelId, m) {
      const msg = messagePayload({
        channelId,
        author: user,
        content: m.content,
        attachments: m.attachments,
        mentions: m.mentionBot ? [fake.bot] : [],
        reference: m.replyTo ? { message_id: m.replyTo.id, channel_id: m.replyTo.channel_id, guild_id: fake.channels.get(m.replyTo.channel_id)?.guild_id ?? fake.guildId } : undefined,
      });
      return fake.sendUserMessage(msg);
    },
    async close() {
      await services.close();
      await fake.close();
      await redis.cleanup();
    },
  };
}

// ── Reading what the fake received ─────────────────────────────────────────────────────────────

export function callbackOf(fake: FakeDiscord, rec: InteractionRecord): RecordedRequest | undefined {
  return fake.requestsFor(rec).find((r) => r.path.endsWith('/callback'));
}

/** Edits of the interaction's original response (PATCH …/messages/@original), successful ones. */
export function originalEdits(fake: FakeDiscord, rec: InteractionRecord): RecordedRequest[] {
  return fake.requestsFor(rec).filter((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original') && r.status === 200);
}

export function followUps(fake: FakeDiscord, rec: InteractionRecord): RecordedRequest[] {
  return fake.requestsFor(rec).filter((r) => r.method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(r.path));
}

/** Wait for the interaction's deferral and check it came within Discord's 3 s. */
export async function deferral(fake: FakeDiscord, rec: InteractionRecord): Promise<RecordedRequest> {
  return fake.waitFor(`callback of ${rec.id}`, () => callbackOf(fake, rec), 10_000);
}

/** Wait for an ephemeral error: an immediate ephemeral reply, or an ephemeral follow-up. */
export async function ephemeralError(fake: FakeDiscord, rec: InteractionRecord, timeoutMs = 30_000): Promise<string> {
  const req = await fake.waitFor(
    `ephemeral error for ${rec.id}`,
    () => {
      const cb = callbackOf(fake, rec);
      if (cb?.body?.type === 4 && (cb.body.data?.flags & 64) === 64) return cb;
      return followUps(fake, rec).find((r) => (r.body?.flags & 64) === 64);
    },
    timeoutMs,
  );
  return req.body?.type === 4 ? req.body.data.content : req.body.content;
}

/** All custom ids in a message body's components. */
export function customIds(body: any): string[] {
  return (body?.components ?? []).flatMap((row: any) => (row.components ?? []).map((c: any) => c.custom_id)).filter(Boolean);
}

/** Decode uploaded bytes with the real image module (throws if they are not an image). */
export async function decodes(bytes: Buffer) {
  return decodeImage(bytes);
}

export function messageOf(fake: FakeDiscord, id: string): ApiMessage {
  const m = fake.messages.get(id);
  if (!m) throw new Error(`fake has no message ${id}`);
  return m;
}
