/**
 * The fault suite's pieces: `easel bot` as real child processes (Slack over HTTP against the fake
 * Slack), a worker with the real engine in the test process, small distinct photos (so no result
 * comes from the cache), a private `redis-server` for restart scenarios, and the one question
 * every case ends on: did each user see their result exactly once, with a final status?
 *
 * Timings are scaled down so the suite stays short: claims of 1 s (renewed every ~330 ms), sweeps
 * every 200 ms, platform calls given up after 1 s, a dead bot's editor role taken over after 1 s. Every fault is longer than those (a hang of
 * 3 s > timeout and claim), so the protocol meets the same situations as with the production
 * defaults (60 s claims, 30 s timeouts, a 3-minute hang), only faster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { createEngineRenderer } from '../../src/jobs/engine-renderer.ts';
import type { Renderer } from '../../src/jobs/render.ts';
import { afterAll, beforeAll } from 'vitest';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { BOT_USER_ID, FakeSlack, type Message } from '../fakes/slack/fake-slack.ts';
import { SignedSender } from '../fakes/slack/signed-sender.ts';

export const BOT_TOKEN = 'xoxb-fault-suite-token';
export const SIGNING_SECRET = 'fault-suite-signing-secret-0123456789';
export const CHANNEL = 'C0FAULTS';

/** Scaled-down delivery timings shared by the bot processes (see the header). */
export const FAST_DELIVERY = {
  EASEL_DELIVERY_SWEEP_MS: '200',
  EASEL_DELIVERY_CLAIM_MS: '1000',
  EASEL_DELIVERY_DEADLINE_MS: '8000',
  EASEL_DELIVERY_ATTEMPTS: '3',
  EASEL_PLATFORM_TIMEOUT_MS: '1000',
  // A killed bot's editor role (status edits and result posts) passes to the next process after 1 s.
  EASEL_STATUS_LOCK_MS: '1000',
};

/** What bot and worker share: tiny fast renders, no cooldown, room for many jobs per user. */
export function baseEnv(redisUrl: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    EASEL_REDIS_PREFIX: prefix,
    LOG_LEVEL: 'info',
    EASEL_DEFAULT_QUALITY: 'fast',
    EASEL_DEFAULT_SIZE: '32',
    EASEL_MAX_SIZE: '64',
    EASEL_USER_COOLDOWN_S: '0',
    EASEL_USER_MAX_JOBS: '50',
    EASEL_METRICS_PORT: '0',
    EASEL_JOB_LOCK_MS: '3000',
    EASEL_STALLED_INTERVAL_MS: '1000',
    EASEL_SHUTDOWN_GRACE_MS: '200',
    ...FAST_DELIVERY,
    ...extra,
  };
}

export interface BotProcess {
  child: ChildProcess;
  port: number;
  sender: SignedSender;
  output(): string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** What a Slack fault case runs against; `bot` is replaced when a case restarts it. */
export interface SlackFaultRig {
  fake: FakeSlack;
  redis: TestRedis;
  worker: RunningWorker;
  bot: BotProcess;
  env: Record<string, string>;
}

/**
 * A fake Slack, this run's Redis prefix, a worker with the real engine and one `easel bot` child,
 * started before the file's tests and stopped after them.
 */
export function useSlackFaultRig(name: string): SlackFaultRig {
  const rig = {} as SlackFaultRig;
  beforeAll(async () => {
    rig.fake = await FakeSlack.start({ botToken: BOT_TOKEN });
    rig.redis = await testRedis(name);
    rig.env = baseEnv(rig.redis.url, rig.redis.prefix);
    ({ worker: rig.worker } = await startEngineWorker(rig.env));
    rig.bot = await startBot(rig.fake, rig.env);
  });
  afterAll(async () => {
    await rig.bot?.kill();
    await rig.worker?.close();
    await rig.fake?.close();
    await rig.redis?.cleanup();
  });
  return rig;
}

/** Resolves once the thread's status is final and its painting is posted. */
export function resultShown(fake: FakeSlack, threadTs: string, what = `the result in ${threadTs}`): Promise<unknown> {
  return fake.waitFor(() => isFinal(statusOf(fake, threadTs)) && fake.imageMessages(CHANNEL, threadTs).length > 0, what, 60_000);
}

/** `easel bot` as an operator starts it, configured only by its environment. */
export async function startBot(fake: FakeSlack, env: Record<string, string>): Promise<BotProcess> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'bot'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (out += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`easel bot did not start; output:\n${out}`)), 60_000);
    const check = () => {
      const m = out.match(/"port":(\d+)[^\n]*slack: adapter started/);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', () => reject(new Error(`easel bot exited while starting; output:\n${out}`)));
  });
  return {
    child,
    port,
    sender: new SignedSender(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET),
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A worker with the real engine, in this process. `gate`: the first render waits for it before
 * painting (the job is active meanwhile), so a test can act while exactly one job renders.
 */
export async function startEngineWorker(env: Record<string, string>, gate?: Promise<void>): Promise<{ worker: RunningWorker; config: Config }> {
  const config = loadConfig(env, REPO_ROOT);
  const engine = await createEngineRenderer(config, silentLogger);
  let first = true;
  const renderer: Renderer = {
    close: () => engine.close?.() ?? Promise.resolve(),
    async render(task, ctx) {
      if (first && gate) {
        first = false;
        await gate;
      }
      return engine.render(task, ctx);
    },
  };
  return { worker: await startWorker(config, { renderer, progressIntervalMs: 200 }, silentLogger), config };
}

let photoSeq = 0;
/** A small photo no earlier job had (a new colour each time), so every job really renders. */
export async function distinctPhoto(): Promise<Buffer> {
  const n = ++photoSeq + process.pid;
  const background = { r: (n * 53) % 256, g: (n * 97) % 256, b: (n * 29) % 256 };
  return sharp({ create: { width: 40, height: 30, channels: 3, background } })
    .composite([{ input: { create: { width: 12, height: 12, channels: 3, background: { r: 255 - background.r, g: 40, b: 200 } } }, left: n % 28, top: n % 18 }])
    .jpeg()
    .toBuffer();
}

let userSeq = 0;

/** A user mentions the bot with a photo; returns the thread (the user's message ts) and the user. */
export async function askForPainting(fake: FakeSlack, sender: SignedSender): Promise<{ user: string; threadTs: string }> {
  const user = `U0FAULT${process.pid}X${++userSeq}`;
  const photo = fake.hostFile(await distinctPhoto(), 'photo.jpg', 'image/jpeg');
  const { mention } = fake.userMessage({ channel: CHANNEL, user, text: `<@${BOT_USER_ID}> the-scream size=32 quality=fast`, files: [photo] });
  const res = await sender.event(mention);
  if (res.status !== 200) throw new Error(`the bot answered ${res.status}`);
  return { user, threadTs: mention.ts };
}

/** Easel's status message in a thread (the bot's first message there). */
export function statusOf(fake: FakeSlack, threadTs: string): Message | undefined {
  return fake.botMessages(CHANNEL).find((m) => m.thread_ts === threadTs);
}

export const isFinal = (m: Message | undefined) => m !== undefined && /^(✅|⚠️|✖️)/.test(m.text);

/** Per thread: images the user sees, and whether the status ended in a final state. */
export function tally(fake: FakeSlack, threads: string[]): { duplicates: number; lost: number; notFinal: number; images: number[] } {
  const images = threads.map((t) => fake.imageMessages(CHANNEL, t).length);
  return {
    images,
    duplicates: images.filter((n) => n > 1).length,
    lost: images.filter((n) => n === 0).length,
    notFinal: threads.filter((t) => !isFinal(statusOf(fake, t))).length,
  };
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A redis-server of our own (restart scenarios), on a free port and a temp dir; AOF on or off. */
export class PrivateRedis {
  private proc?: ChildProcess;
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'easel-faults-redis-'));
  private constructor(
    readonly port: number,
    readonly persistent: boolean,
  ) {}

  static async start(persistent: boolean): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort(), persistent);
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', this.persistent ? 'yes' : 'no', '--appendfsync', 'always'];
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        // With AOF, wait until the file is loaded (LOADING errors until then).
        if ((await client.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline) throw new Error('redis-server did not start');
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        client.disconnect();
      }
    }
  }

  /** Stop the server the way an operator restarts it (SIGTERM: AOF flushed when it is on). */
  async down(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
  }

  async close(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
