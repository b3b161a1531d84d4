/**
 * The whole Slack stack for end-to-end tests, started exactly as `easel start` starts it
 * (startServices from src/cli/serve.ts): the real config (from an env), the real preset catalog,
 * the real jobs client and worker on the real Redis (a unique key prefix), the real engine (tiny
 * sizes), and the real Bolt app — talking to the fake Slack Web API, driven by the signed sender
 * (HTTP) or the fake's Socket Mode server.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { SlackAdapter } from '../../src/chat/slack/index.ts';
import { startServices } from '../../src/cli/serve.ts';
import type { EaselJobsClient } from '../../src/jobs/client.ts';
import type { RunningWorker } from '../../src/jobs/worker.ts';
import type { Config } from '../../src/config.ts';
import { pino } from 'pino';
import { createLogger, REDACT_PATHS, type Logger } from '../../src/log.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { FakeSlack, type Message, type SharedUpload } from '../fakes/slack/fake-slack.ts';
import { SignedSender } from '../fakes/slack/signed-sender.ts';

export const BOT_TOKEN = 'xoxb-test-easel-bot-token';
export const APP_TOKEN = 'xapp-test-easel-app-token';
export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const CHANNEL = 'C0GENERAL';
export const NOT_MEMBER_CHANNEL = 'C0ELSEWHERE';

export interface SlackStack {
  fake: FakeSlack;
  sender: SignedSender;
  adapter: SlackAdapter;
  jobs: EaselJobsClient;
  worker: RunningWorker;
  config: Config;
  redis: TestRedis;
  close(): Promise<void>;
}

export interface StackOptions {
  socketMode?: boolean;
  env?: Record<string, string>;
  /** Collect every log line (at trace level, with the production redaction) into this array. */
  logLines?: string[];
}

export async function startSlackStack(opts: StackOptions = {}): Promise<SlackStack> {
  const redis = await testRedis(opts.socketMode ? 'slack-socket' : 'slack-http');
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN, notMemberOf: [NOT_MEMBER_CHANNEL] });
  const config = redis.config({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    ...(opts.socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : {}),
    PORT: '0',
    EASEL_DEFAULT_QUALITY: 'fast',
    EASEL_DEFAULT_SIZE: '48',
    EASEL_MAX_SIZE: '96',
    EASEL_USER_COOLDOWN_S: '0',
    EASEL_USER_MAX_JOBS: '1',
    EASEL_MAX_UPLOAD_BYTES: '600000',
    EASEL_DOWNLOAD_TIMEOUT_MS: '3000',
    EASEL_METRICS_PORT: '0',
    ...opts.env,
  });
  const log: Logger = opts.logLines
    ? pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (line: string) => void opts.logLines?.push(line) })
    : process.env.SLACK_TEST_LOG
      ? createLogger({ level: process.env.SLACK_TEST_LOG, name: 'slack-test' })
      : createLogger({ level: 'silent' });

  const services = await startServices(config, log, { bot: true, worker: true });
  const adapter = services.adapters.find((a): a is SlackAdapter => a.platform === 'slack');
  if (!adapter || !services.worker) throw new Error('easel start did not start the Slack adapter and a worker');
  const { jobs, worker } = services;
  const sender = new SignedSender(`http://127.0.0.1:${adapter.port ?? 0}/slack/events`, SIGNING_SECRET);

  return {
    fake,
    sender,
    adapter,
    jobs,
    worker,
    config,
    redis,
    async close() {
      await services.close();
      await fake.close();
      await redis.cleanup();
    },
  };
}

// ── test material ───────────────────────────────────────────────────────────────────────────────

export const photoPath = (name: string) => path.join(REPO_ROOT, 'presets', 'photos', name);
export const paintingPath = (name: string) => path.join(REPO_ROOT, 'presets', 'images', name);

export async function photoBytes(name = 'dancer_ballerina.jpg'): Promise<Buffer> {
  return readFile(photoPath(name));
}

/** A user posts a photo as a file in Slack: the fake hosts it behind the bot token. */
export async function hostPhoto(fake: FakeSlack, name = 'dancer_ballerina.jpg') {
  return fake.hostFile(await photoBytes(name), name, 'image/jpeg');
}

/** The uploaded result decoded for real: its size and format. */
export async function decodeUpload(u: SharedUpload): Promise<{ width: number; height: number; format: string }> {
  const meta = await sharp(u.bytes).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0, format: meta.format ?? '' };
}

export function uploadsInThread(fake: FakeSlack, channel: string, threadTs: string): SharedUpload[] {
  return fake.uploads.filter((u) => u.channel === channel && u.threadTs === threadTs);
}

export function waitForUpload(fake: FakeSlack, channel: string, threadTs: string, count = 1): Promise<SharedUpload> {
  return fake.waitFor(() => {
    const found = uploadsInThread(fake, channel, threadTs);
    return found.length >= count ? found[count - 1] : undefined;
  }, `upload #${count} in ${channel}/${threadTs}`, 120_000);
}

/** Easel's status messages in a thread (bot messages that are not the prompt). */
export function statusMessages(fake: FakeSlack, channel: string, threadTs: string): Message[] {
  return fake.botMessages(channel).filter((m) => m.thread_ts === threadTs);
}

export function waitForEphemeral(fake: FakeSlack, user: string, match: RegExp) {
  return fake.waitFor(() => fake.ephemerals.find((e) => e.user === user && match.test(e.text)), `an ephemeral for ${user} matching ${match}`, 30_000);
}

export const hasCancelButton = (m: Message) => JSON.stringify(m.blocks ?? []).includes('easel_cancel');

let userSeq = 0;
/** A fresh user id per scenario: EASEL_USER_MAX_JOBS is 1, so scenarios never block each other. */
export const newUser = () => `U0TEST${process.pid}X${++userSeq}`;
