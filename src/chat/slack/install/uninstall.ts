/**
 * `app_uninstalled` and `tokens_revoked` (bot tokens): the workspace's installation is deleted at
 * once, so the next event from it fails Bolt's authorize() quietly (install/authorize-errors.ts)
 * instead of calling Slack with a dead token. Then what Easel kept for the workspace goes: its
 * unfinished jobs are dropped (their delivery finds no installation and posts nothing), its
 * settings and its members' daily quotas are deleted.
 */
import type { App, InstallationQuery } from '@slack/bolt';
import type { Logger } from '../../../log.ts';
import { describeError } from '../../../util/describe-error.ts';
import { registerAuthorizeErrors } from './authorize-errors.ts';

/** What a removed workspace leaves behind, keyed by its team id (the "server" of its requests). */
export interface WorkspacePurge {
  /** Drops the workspace's unfinished jobs; resolves with how many. */
  jobs?(teamId: string): Promise<number>;
  settings?(teamId: string): Promise<void>;
  /** Deletes its members' daily quota counters; resolves with how many. */
  quotas?(teamId: string): Promise<number>;
}

export function registerUninstall(app: App, store: { deleteInstallation(query: InstallationQuery<boolean>): Promise<void> }, log: Logger, purge: WorkspacePurge = {}): void {
  const forget = async (why: string, body: { team_id?: string; enterprise_id?: string; is_enterprise_install?: boolean }) => {
    const query = { teamId: body.team_id, enterpriseId: body.enterprise_id, isEnterpriseInstall: body.is_enterprise_install === true };
    // The installation first: from here on nothing of this workspace can be posted.
    await store.deleteInstallation(query);
    const team = body.team_id;
    const purged: Record<string, number | boolean> = {};
    if (team) {
      const steps: Array<[string, () => Promise<number | void>]> = [
        ['jobs', () => purge.jobs?.(team) ?? Promise.resolve()],
        ['settings', () => purge.settings?.(team) ?? Promise.resolve()],
        ['quotas', () => purge.quotas?.(team) ?? Promise.resolve()],
      ];
      for (const [what, step] of steps) {
        try {
          const n = await step();
          purged[what] = typeof n === 'number' ? n : true;
        } catch (err) {
          log.warn({ team, what, err: describeError(err) }, 'slack: could not purge part of a removed workspace');
        }
      }
    }
    log.info({ team, enterprise: body.enterprise_id, why, purged }, 'slack: installation deleted');
  };
  registerAuthorizeErrors(app, log);
  app.event('app_uninstalled', async ({ body }) => forget('app_uninstalled', body));
  app.event('tokens_revoked', async ({ event, body }) => {
    // A user token revoked alone leaves the bot working; only the bot's revocation ends the install.
    if (event.tokens.bot?.length) await forget('tokens_revoked', body);
  });
}
