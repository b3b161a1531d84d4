/**
 * `app_uninstalled` and `tokens_revoked` (bot tokens): the workspace's installation is deleted at
 * once, so the next event from it fails Bolt's authorize() quietly instead of calling Slack with a
 * dead token. (Dropping its waiting jobs and purging its settings and quotas is issue 25's step 4.)
 */
import type { App } from '@slack/bolt';
import type { Logger } from '../../../log.ts';
import { describeError } from '../../../util/describe-error.ts';
import type { InstallationQuery } from '@slack/bolt';

/** Bolt's error for an event whose workspace has no installation (never installed, or removed). */
export function isNotInstalled(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'slack_bolt_authorization_error';
}

export function registerUninstall(app: App, store: { deleteInstallation(query: InstallationQuery<boolean>): Promise<void> }, log: Logger): void {
  const forget = async (why: string, body: { team_id?: string; enterprise_id?: string; is_enterprise_install?: boolean }) => {
    const query = { teamId: body.team_id, enterpriseId: body.enterprise_id, isEnterpriseInstall: body.is_enterprise_install === true };
    await store.deleteInstallation(query);
    log.info({ team: body.team_id, enterprise: body.enterprise_id, why }, 'slack: installation deleted');
  };
  // A removed workspace's stragglers are expected, not an error storm: one info line each.
  app.error(async (err) => {
    if (isNotInstalled(err)) log.info({ reason: (err as { original?: Error }).original?.message }, 'slack: event from a workspace without an installation ignored');
    else log.error({ err: describeError(err) }, 'slack: listener error');
  });
  app.event('app_uninstalled', async ({ body }) => forget('app_uninstalled', body));
  app.event('tokens_revoked', async ({ event, body }) => {
    // A user token revoked alone leaves the bot working; only the bot's revocation ends the install.
    if (event.tokens.bot?.length) await forget('tokens_revoked', body);
  });
}
