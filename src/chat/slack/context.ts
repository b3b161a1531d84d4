/**
 * What every Slack listener and the delivery handler share: the deps from the process, the Slack
 * clients, the status board, the thread memory, and the in-flight tracker that close() waits on.
 */
import { webApi } from '@slack/bolt';
import type { AdapterDeps } from '../types.ts';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { createJobPresenter, type JobPresenter } from '../common/delivery/presenter.ts';
import { slackPort } from './delivery.ts';
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
  /** Presents job events (status, result, failure) in Slack; `handle` is subscribed to the jobs. */
  presenter: JobPresenter;
  threads: ThreadStyles;
  self: BotIdentity;
  /** Run work after the ack; close() waits for it. Never rejects (errors are logged). */
  background(what: string, work: () => Promise<void>): void;
  /** Resolves when all background work has finished. */
  settle(): Promise<void>;
}

/**
 * Status updates get their own client that hands 429s back instead of pausing every call of the
 * app for Retry-After (the jobs layer's status queue waits it out for that message alone).
 */
export function createStatusClient(slack: SlackConfig, log: Logger): webApi.WebClient {
  return new webApi.WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    logger: slackLoggerFrom(log),
    rejectRateLimitedCalls: true,
    timeout: slack.requestTimeoutMs,
    retryConfig: SLACK_RETRIES,
  });
}

/**
 * Every Slack call is bounded: a timeout per request and a few quick retries (the WebClient's
 * default retries for about 30 minutes, which would hold a delivery claim that long); the jobs
 * layer retries a failed delivery later.
 */
export const SLACK_RETRIES = { retries: 2, factor: 2, minTimeout: 300, maxTimeout: 2000 } as const;

export function createContext(deps: AdapterDeps, client: webApi.WebClient, self: BotIdentity, log: Logger): SlackContext {
  const slack = deps.config.slack as SlackConfig;
  const threads = new ThreadStyles(client, () => self, log);
  const port = slackPort({ client, statusClient: createStatusClient(slack, log), jobs: deps.jobs, threads, self: () => self, presets: deps.presets, render: deps.config.render, log });
  const presenter = createJobPresenter({ port, log, showStatus: (jobId, status) => deps.jobs.showStatus(jobId, status) });
  const inFlight = new Set<Promise<void>>();
  return {
    ...deps,
    log,
    slack,
    client,
    presenter,
    threads,
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
