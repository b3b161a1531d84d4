/**
 * `app_uninstalled` and `tokens_revoked` (bot tokens): the workspace's installation is deleted at
 * once, so the next event from it fails Bolt's authorize() quietly instead of calling Slack with a
 * dead token. (Dropping its waiting jobs and purging its settings and quotas is issue 25's step 4.)
 */
import type { App } from '@slack/bolt';
import type { Logger } from '../../../log.ts';
import { registerAuthorizeErrors } from './authorize-errors.ts';
import type { InstallationQuery } from '@slack/bolt';

export function registerUninstall(app: App, store: { deleteInstallation(query: InstallationQuery<boolean>): Promise<void> }, log: Logger): void {
  const forget = async (why: string, body: { team_id?: string; enterprise_id?: string; is_enterprise_install?: boolean }) => {
    const query = { teamId: body.team_id, enterpriseId: body.enterprise_id, isEnterpriseInstall: body.is_enterprise_install === true };
    await store.deleteInstallation(query);
    log.info({ team: body.team_id, enterprise: body.enterprise_id, why }, 'slack: installation deleted');
  };
  registerAuthorizeErrors(app, log);
  app.event('app_uninstalled', async ({ body }) => forget('app_uninstalled', body));
  app.event('tokens_revoked', async ({ event, body }) => {
    // A user token revoked alone leaves the bot working; only the bot's revocation ends the install.
    if (event.tokens.bot?.length) await forget('tokens_revoked', body);
  });
}
