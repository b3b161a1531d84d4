/**
 * Which token a Slack call uses. Single-workspace mode has one (SLACK_BOT_TOKEN); distribution
 * mode has one per installed workspace, kept encrypted in Redis (install/installation-store.ts).
 *
 * - A listener runs with the workspace Bolt's authorize() found for its event (`fromAuthorized`).
 * - A delivery (maybe in another process, maybe hours later) looks the token up at call time from
 *   the workspace the job recorded in its reply-to (`of`) — a token is never kept in job data.
 *
 * Web API clients are kept per token: a 429 (Retry-After) pauses only that workspace's client,
 * never another workspace's calls.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../../log.ts';
import { slackLoggerFrom } from './bolt-logger.ts';

/** A workspace (or, for an org-wide install, an Enterprise Grid org) as calls need it. */
export interface WorkspaceRef {
  teamId?: string;
  enterpriseId?: string;
  /** An org-wide install: the token belongs to the org, not to the team. */
  enterpriseInstall?: boolean;
}

/** The workspace a job's reply-to records (ids only, never a token). */
export function workspaceOf(to: { teamId?: string; enterpriseId?: string; enterpriseInstall?: boolean }): WorkspaceRef {
  return { teamId: to.teamId, enterpriseId: to.enterpriseId, enterpriseInstall: to.enterpriseInstall };
}

export interface BotIdentity {
  botUserId?: string;
  botId?: string;
}

export interface SlackWorkspace extends WorkspaceRef {
  /** The bot token; only for file downloads (url_private takes it as a header). Never logged. */
  readonly token: string;
  /** Calls with Slack's own retry policy; rate limits waited out (per workspace). */
  readonly client: webApi.WebClient;
  /** chat.update: 429s handed back to the status throttle instead of waited out. */
  readonly statusClient: webApi.WebClient;
  /** Our bot's ids in this workspace: only our messages are trusted. */
  readonly self: BotIdentity;
}

export interface WorkspaceDirectory {
  /** The workspace a job recorded: the token is looked up now (and refreshed if due). */
  of(where: WorkspaceRef): Promise<SlackWorkspace>;
  /** The workspace of an event Bolt has authorized (its context carries the token). */
  fromAuthorized(auth: WorkspaceRef & { token: string } & BotIdentity): SlackWorkspace;
}

export interface ClientOptions {
  apiUrl: string;
  timeoutMs: number;
  retries: webApi.RetryOptions;
  log: Logger;
}

const MAX_CLIENTS = 2000;

/** WebClients per token (least recently used dropped past MAX_CLIENTS; a rotated token's pair ages out). */
export class ClientsByToken {
  private readonly clients = new Map<string, { client: webApi.WebClient; statusClient: webApi.WebClient }>();

  constructor(private readonly opts: ClientOptions) {}

  get(token: string): { client: webApi.WebClient; statusClient: webApi.WebClient } {
    let pair = this.clients.get(token);
    if (pair) {
      this.clients.delete(token);
    } else {
      const base = { slackApiUrl: this.opts.apiUrl, logger: slackLoggerFrom(this.opts.log), timeout: this.opts.timeoutMs, retryConfig: this.opts.retries };
      pair = { client: new webApi.WebClient(token, base), statusClient: new webApi.WebClient(token, { ...base, rejectRateLimitedCalls: true }) };
    }
    this.clients.set(token, pair);
    if (this.clients.size > MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
    return pair;
  }
}

/** Single-workspace mode: every call uses SLACK_BOT_TOKEN. */
export function singleWorkspace(workspace: SlackWorkspace): WorkspaceDirectory {
  return {
    of: async () => workspace,
    fromAuthorized: () => workspace,
  };
}

/** Distribution mode: `lookup` reads the installation (refreshing its token under the shared lock). */
export function installedWorkspaces(clients: ClientsByToken, lookup: (where: WorkspaceRef) => Promise<{ token: string } & BotIdentity & WorkspaceRef>): WorkspaceDirectory {
  const build = (auth: WorkspaceRef & { token: string } & BotIdentity): SlackWorkspace => ({
    teamId: auth.teamId,
    enterpriseId: auth.enterpriseId,
    enterpriseInstall: auth.enterpriseInstall,
    token: auth.token,
    ...clients.get(auth.token),
    self: { botUserId: auth.botUserId, botId: auth.botId },
  });
  return {
    of: async (where) => build({ ...where, ...(await lookup(where)) }),
    fromAuthorized: build,
  };
}
