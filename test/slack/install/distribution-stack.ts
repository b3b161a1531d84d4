/**
 * Easel in Slack distribution mode for end-to-end tests: `bots` bot processes (startServices, as
 * `easel bot` starts them; the first also runs the real worker) on the real Redis, one fake Slack
 * with workspaces and the OAuth endpoints, and the admin's browser steps of an install played as
 * HTTP requests (install page on one process, the redirect back on another).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { pino } from 'pino';
import type { SlackAdapter } from '../../../src/chat/slack/index.ts';
import { startServices, type Services } from '../../../src/cli/serve.ts';
import type { Config } from '../../../src/config.ts';
import { createLogger, REDACT_PATHS, type Logger } from '../../../src/log.ts';
import { FakeSlack } from '../../fakes/slack/fake-slack.ts';
import { SignedSender } from '../../fakes/slack/signed-sender.ts';
import { testRedis, type TestRedis } from '../../helpers/redis.ts';

export const SIGNING = 'distribution-signing-secret';
export const OAUTH = { clientId: '111.222', clientSecret: 'client-secret' };

export interface BotProcess {
  services: Services;
  adapter: SlackAdapter;
  sender: SignedSender;
  base: string;
}

export interface DistributionStack {
  fake: FakeSlack;
  redis: TestRedis;
  config: Config;
  bots: BotProcess[];
  /** Open the install page on bot `startOn`, approve in `team`, come back on bot `finishOn`; the page shown at the end. */
  install(team: string, route?: { startOn?: number; finishOn?: number }): Promise<string>;
  close(): Promise<void>;
}

export interface DistributionOptions {
  teams: string[];
  bots?: number;
  /** Whether the first bot process also renders (default true); false leaves jobs waiting. */
  worker?: boolean;
  /** expires_in of the bot tokens the fake issues (token rotation on); none = tokens never expire. */
  expiresIn?: number;
  env?: Record<string, string>;
  /** Every log line of every process (JSON), at debug level. */
  logLines?: string[];
}

const unescapeHtml = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');

export async function startDistributionStack(opts: DistributionOptions): Promise<DistributionStack> {
  const redis = await testRedis('slack-dist');
  const oauth = { ...OAUTH, redirectUrl: 'http://127.0.0.1:1/unused', expiresIn: opts.expiresIn };
  const fake = await FakeSlack.start({ botToken: 'xoxb-single-workspace-unused', oauth });
  for (const team of opts.teams) fake.addWorkspace(team, `Workspace ${team}`);
  const config = redis.config({
    SLACK_CLIENT_ID: OAUTH.clientId,
    SLACK_CLIENT_SECRET: OAUTH.clientSecret,
    SLACK_STATE_SECRET: 'state-secret',
    SLACK_SIGNING_SECRET: SIGNING,
    EASEL_TOKEN_KEY: randomBytes(32).toString('base64'),
    SLACK_API_URL: fake.apiUrl,
    SLACK_AUTHORIZE_URL: `${fake.baseUrl}oauth/v2/authorize`,
    PORT: '0',
    EASEL_DEFAULT_QUALITY: 'fast',
    EASEL_DEFAULT_SIZE: '32',
    EASEL_MAX_SIZE: '64',
    EASEL_USER_COOLDOWN_S: '0',
    EASEL_USER_MAX_JOBS: '5',
    EASEL_DOWNLOAD_TIMEOUT_MS: '3000',
    EASEL_METRICS_PORT: '0',
    ...opts.env,
  });
  const log: Logger = opts.logLines
    ? pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (line: string) => void opts.logLines?.push(line) })
    : process.env.SLACK_TEST_LOG
      ? createLogger({ level: process.env.SLACK_TEST_LOG, name: 'slack-dist-test' })
      : createLogger({ level: 'silent' });

  const bots: BotProcess[] = [];
  const closeAll = async () => {
    for (const b of bots.reverse()) await b.services.close();
    await fake.close();
    await redis.cleanup();
  };
  try {
    for (let i = 0; i < (opts.bots ?? 1); i++) {
      const services = await startServices(config, log.child({ bot: i }), { bot: true, worker: i === 0 && opts.worker !== false });
      const adapter = services.adapters.find((a): a is SlackAdapter => a.platform === 'slack');
      if (!adapter?.distribution) throw new Error('easel bot did not start the Slack adapter in distribution mode');
      const base = `http://127.0.0.1:${adapter.port}`;
      bots.push({ services, adapter, base, sender: new SignedSender(`${base}/slack/events`, SIGNING) });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  return {
    fake,
    redis,
    config,
    bots,
    async install(team, route = {}) {
      const start = bots[route.startOn ?? 0]!;
      const finish = bots[route.finishOn ?? bots.length - 1]!;
      // The app's redirect URL (as set in its Slack settings): where the fake sends the browser back.
      oauth.redirectUrl = `${finish.base}/slack/oauth_redirect`;
      const page = await fetch(`${start.base}/slack/install`);
      expect(page.status).toBe(200);
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
      const href = unescapeHtml(/href="([^"]+)"/.exec(await page.text())![1]!);
      const approve = await fetch(`${href}&team=${team}`, { redirect: 'manual' });
      expect(approve.status).toBe(302);
      const back = await fetch(approve.headers.get('location')!, { headers: { cookie } });
      return back.text();
    },
    close: closeAll,
  };
}

/** Polls `check` (every 20 ms) until it holds: for conditions the fake does not see (log lines, Redis). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
