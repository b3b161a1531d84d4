/**
 * Distribution mode's error handler (Bolt's extended one: it sees the request body). An event whose
 * workspace has no installation (never installed, or just removed) is expected — one info line, no
 * error storm. An event from a workspace whose token expired and could not be refreshed is logged
 * with the reinstall hint, and the person who asked is told politely through the command's or the
 * button's response_url (which needs no token); an event without one (a mention) cannot be answered.
 */
import type { App } from '@slack/bolt';
import type { Logger } from '../../../log.ts';
import { WORDING } from '../../../requests/wording.ts';
import { describeError } from '../../../util/describe-error.ts';
import { isNoInstallation } from './installation-store.ts';
import { isTokenRefreshFailed } from './token-refresh.ts';

const RESPOND_TIMEOUT_MS = 5000;

/** The first error in `err`'s chain (Bolt's `original`, the installer's `original`, `cause`) that `match` accepts. */
export function findCause<T>(err: unknown, match: (e: unknown) => e is T): T | undefined {
  let at: unknown = err;
  for (let depth = 0; at && depth < 5; depth++) {
    if (match(at)) return at;
    const e = at as { original?: unknown; cause?: unknown };
    at = e.original ?? e.cause;
  }
  return undefined;
}

/** Bolt's error for an event its authorize() could not find a token for. */
export function isAuthorizationError(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'slack_bolt_authorization_error';
}

/** Where Slack accepts a reply to this request without a token (slash commands, interactions). */
function responseUrlOf(body: unknown): string | undefined {
  const b = body as { response_url?: unknown; response_urls?: Array<{ response_url?: unknown }> } | undefined;
  const url = b?.response_url ?? b?.response_urls?.[0]?.response_url;
  return typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined;
}

export function registerAuthorizeErrors(app: App, log: Logger): void {
  const handler = async ({ error, body }: { error: Error; body: unknown }): Promise<void> => {
    const refresh = findCause(error, isTokenRefreshFailed);
    if (refresh) {
      const url = responseUrlOf(body);
      log.warn({ team: refresh.teamId, enterprise: refresh.enterpriseId, reason: refresh.reason, told: url !== undefined, hint: 'reinstall Easel in this workspace' }, "slack: an event from a workspace whose token could not be refreshed — it needs a reinstall");
      if (url) {
        await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', text: WORDING.reinstallNeeded }), signal: AbortSignal.timeout(RESPOND_TIMEOUT_MS) }).catch((err: unknown) =>
          log.warn({ err: describeError(err) }, 'slack: could not tell the user about the reinstall'),
        );
      }
      return;
    }
    if (isAuthorizationError(error)) {
      // A removed workspace's stragglers are expected, not an error storm: one info line each.
      const missing = findCause(error, isNoInstallation);
      log.info({ reason: missing?.message ?? describeError(error).message }, 'slack: event from a workspace without an installation ignored');
      return;
    }
    log.error({ err: describeError(error) }, 'slack: listener error');
  };
  app.error(handler);
}
