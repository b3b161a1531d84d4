/**
 * What every Slack listener and the delivery handler share: the deps from the process, the Slack
 * clients, the status board, the thread memory, and the in-flight tracker that close() waits on.
 */
import { webApi } from '@slack/bolt';
import type { AdapterDeps } from '../types.ts';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { chatUpdateFn, StatusBoard } from './status-board.ts';
import { ThreadStyles } from './thread-style.ts';
import { slackLoggerFrom } from './bolt-logger.ts';
import { describeError } from '../../util/describe-error.ts';

export type SlackConfig = NonNullable<Config['slack']>;

export interface BotIdentity {
  botUserId?: string;
  botId?: string;
}

export interface SlackContext extends AdapterDeps {
  slack: SlackConfig;
  /** The app's client (bot token; Slack's own retry policy, rate limits waited out). */
  client: webApi.WebClient;
  board: StatusBoard;
  threads: ThreadStyles;
  self: BotIdentity;
  /** Run work after the ack; close() waits for it. Never rejects (errors are logged). */
  background(what: string, work: () => Promise<void>): void;
  /** Resolves when all background work has finished. */
  settle(): Promise<void>;
}

export interface ContextTuning {
  /** Minimum time between two chat.update calls on one status message. */
  statusIntervalMs: number;
}

export const DEFAULT_TUNING: ContextTuning = { statusIntervalMs: 1200 };

/**
 * Status updates get their own client that hands 429s back to the StatusBoard instead of pausing
 * every call of the app for Retry-After (the board coalesces and waits per message).
 */
export function createStatusClient(slack: SlackConfig, log: Logger): webApi.WebClient {
  return new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    logger: slackLoggerFrom(log),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 300, maxTimeout: 2000 },
  });
}

export function createContext(deps: AdapterDeps, client: webApi.WebClient, self: BotIdentity, tuning: ContextTuning, log: Logger): SlackContext {
  const slack = deps.config.slack as SlackConfig;
  const board = new StatusBoard(chatUpdateFn(createStatusClient(slack, log)), { minIntervalMs: tuning.statusIntervalMs, log });
  const inFlight = new Set<Promise<void>>();
  return {
    ...deps,
    log,
    slack,
    client,
    board,
    threads: new ThreadStyles(client, () => self, log),
    self,
    background(what, work) {
      const p = work()
        .catch((err: unknown) => log.error({ err: describeError(err), what }, 'slack: background work failed'))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async settle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

/** Listeners log errors through the one describer (method, route, status, code — never a token). */
export { describeError };

/** Slack's error code (e.g. 'not_in_channel') of a failed Web API call, if it was one. */
export function slackErrorCode(err: unknown): string | undefined {
  return (err as { data?: { error?: string } } | undefined)?.data?.error;
}
