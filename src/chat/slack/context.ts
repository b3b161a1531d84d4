/**
 * What every Slack listener and the delivery handler share: the deps from the process, the
 * workspaces' tokens (workspaces.ts), the job presenter, the thread memory, and the in-flight tracker
 * that close() waits on. A listener gets it scoped to its event's workspace (`forWorkspace`).
 */
import { webApi } from '@slack/bolt';
import type { AdapterDeps } from '../types.ts';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { createJobPresenter, type JobPresenter } from '../common/delivery/presenter.ts';
import { slackPort } from './delivery.ts';
import { ThreadMemory, ThreadStyles } from './thread-style.ts';
import type { BotIdentity, SlackWorkspace, WorkspaceDirectory } from './workspaces.ts';
import type { UploadRecords } from './upload-record.ts';
import { slackLoggerFrom } from './bolt-logger.ts';
import { describeError } from '../../util/describe-error.ts';

export type SlackConfig = NonNullable<Config['slack']>;
export type { BotIdentity };

/** What the Slack adapter shares across workspaces: the deps, the job presenter, the background tracker. */
export interface SlackAppContext extends AdapterDeps {
  /** The workspaces' tokens: one (SLACK_BOT_TOKEN) or one per installation (distribution mode). */
  workspaces: WorkspaceDirectory;
  /** Presents job events (status, result, failure) in Slack; `handle` is subscribed to the jobs. */
  presenter: JobPresenter;
  /** Run work after the ack; close() waits for it. Never rejects (errors are logged). */
  background(what: string, work: () => Promise<void>): void;
  /** Resolves when all background work has finished. */
  settle(): Promise<void>;
  /** The context of one workspace's event (its token, its bot ids). */
  forWorkspace(workspace: SlackWorkspace): SlackContext;
}

/** What a listener works with: the app's context, scoped to the workspace the event came from. */
export interface SlackContext extends SlackAppContext {
  workspace: SlackWorkspace;
  /** The workspace's client (Slack's own retry policy, rate limits waited out). */
  client: webApi.WebClient;
  threads: ThreadStyles;
  self: BotIdentity;
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

/** What the adapter keeps in Redis: upload records, and thread styles shared by every bot process. */
export interface SlackStores {
  uploads: UploadRecords;
  threads: ThreadMemory;
}

export function createContext(deps: AdapterDeps, workspaces: WorkspaceDirectory, stores: SlackStores, log: Logger): SlackAppContext {
  const { uploads, threads: memory } = stores;
  const threadsOf = (ws: SlackWorkspace) => new ThreadStyles(ws.readClient, () => ws.self, log, memory);
  const port = slackPort({ workspaces, uploads, threadsOf, jobs: deps.jobs, presets: deps.presets, render: deps.config.render, log });
  // Pacing (one editor per job, EASEL_EDIT_INTERVAL_MS, Retry-After) is the jobs layer's.
  const presenter = createJobPresenter({ port, log, showStatus: (jobId, status) => deps.jobs.showStatus(jobId, status) });
  const inFlight = new Set<Promise<void>>();
  const app: SlackAppContext = {
    ...deps,
    log,
    workspaces,
    presenter,
    background(what, work) {
      const p = work()
        .catch((err: unknown) => log.error({ err: describeError(err), what }, 'slack: background work failed'))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async settle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    forWorkspace: (workspace) => ({ ...app, workspace, client: workspace.client, self: workspace.self, threads: threadsOf(workspace) }),
  };
  return app;
}

/** Listeners log errors through the one describer (method, route, status, code — never a token). */
export { describeError };

/** Slack's error code (e.g. 'not_in_channel') of a failed Web API call, if it was one. */
export function slackErrorCode(err: unknown): string | undefined {
  return (err as { data?: { error?: string } } | undefined)?.data?.error;
}
