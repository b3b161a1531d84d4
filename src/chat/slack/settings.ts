/**
 * `/stylize settings [show | key=value …]`: the workspace's own settings (src/settings), for its
 * admins and owners only, asked of users.info on every use (a role can change):
 *
 *   - `is_admin` / `is_owner` count only when the user's `team_id` is the workspace being changed
 *     (the command's `team_id`). An admin of another workspace — a Slack Connect guest from another
 *     organisation, whose users.info names their own team — is refused: their role is in their
 *     workspace, not in this one.
 *   - Enterprise Grid: an org admin or owner (`enterprise_user.is_admin` / `is_owner`) of the same
 *     organisation as the command (`enterprise_id`) who belongs to this workspace
 *     (`enterprise_user.teams`) may, as they administer every workspace of the org; a workspace
 *     admin of a sibling workspace may not.
 *
 * The same keys and values as Discord's /easel-settings; a change takes effect on the next request.
 */
import { WORDING } from '../../requests/wording.ts';
import { describeSettings, parseSettingsPatch, SettingsError, splitPairs } from '../../settings/index.ts';
import { describeError, type SlackContext } from './context.ts';

export const SETTINGS_KEYWORD = 'settings';

/** `<#C123|general>`, `<#C123>` or a bare id → the channel id. */
export function slackChannelId(typed: string): string | undefined {
  return /^(?:<#)?([CG][A-Z0-9]{2,30})(?:\|[^>]*)?>?$/i.exec(typed.trim())?.[1]?.toUpperCase();
}

/** Who is asking, and for which workspace (the command's team and, on Enterprise Grid, its org). */
export interface SettingsAsker {
  userId: string;
  teamId: string;
  enterpriseId?: string;
}

/** What users.info says about a user, as far as admin rights go. */
export interface SlackUserRoles {
  team_id?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  enterprise_user?: { enterprise_id?: string; is_admin?: boolean; is_owner?: boolean; teams?: string[] };
}

export type AdminVerdict = 'admin' | 'not-admin' | 'other-workspace';

/** Whether `user` may change `asker.teamId`'s settings (the rule in the module comment). Pure. */
export function adminOfWorkspace(user: SlackUserRoles | undefined, asker: Pick<SettingsAsker, 'teamId' | 'enterpriseId'>): AdminVerdict {
  if (!user) return 'not-admin';
  const org = user.enterprise_user;
  if (asker.enterpriseId && org?.enterprise_id === asker.enterpriseId && (org.teams ?? []).includes(asker.teamId) && (org.is_admin === true || org.is_owner === true)) return 'admin';
  const role = user.is_admin === true || user.is_owner === true;
  if (user.team_id !== asker.teamId) return role || org?.is_admin === true || org?.is_owner === true ? 'other-workspace' : 'not-admin';
  return role ? 'admin' : 'not-admin';
}

/**
 * Answer a settings command (`rest`: the text after the keyword). Returns the ephemeral text.
 * Never throws: failures become words for the admin and a log line for the operator.
 */
export async function settingsCommand(ctx: SlackContext, who: SettingsAsker, rest: string): Promise<string> {
  const settings = ctx.settings;
  if (!settings) return WORDING.unexpected;
  try {
    const info = await ctx.client.users.info({ user: who.userId });
    const verdict = adminOfWorkspace(info.user as SlackUserRoles | undefined, who);
    if (verdict === 'other-workspace') {
      ctx.log.warn({ user: who.userId, team: who.teamId, userTeam: info.user?.team_id }, 'slack: settings refused (an admin of another workspace)');
      return WORDING.notAdmin('admins and owners of this workspace (not of a connected one)');
    }
    if (verdict !== 'admin') {
      ctx.log.info({ user: who.userId, team: who.teamId }, 'slack: settings refused (not a workspace admin)');
      return WORDING.notAdmin('workspace admins and owners');
    }
    const scope = { platform: 'slack', serverId: who.teamId };
    const text = rest.trim();
    let heading: string;
    let current;
    if (text === '' || text.toLowerCase() === 'show') {
      current = await settings.store.get(scope);
      heading = `⚙️ ${WORDING.settingsFor('workspace')}`;
    } else {
      const pairs = splitPairs(text);
      current = await settings.store.update(scope, parseSettingsPatch(pairs, slackChannelId));
      ctx.log.info({ user: who.userId, team: who.teamId, keys: pairs.map(([k]) => k) }, 'slack: workspace settings changed');
      heading = `✅ ${WORDING.settingsSaved}`;
    }
    const lines = describeSettings(current, ctx.config.render, (id) => `<#${id}>`);
    return [heading, ...lines.map((l) => `• ${l}`), '', WORDING.settingsChangeHint].join('\n');
  } catch (err) {
    if (err instanceof SettingsError) return `⚠️ ${err.message}`;
    ctx.log.error({ err: describeError(err) }, 'slack: /stylize settings failed');
    return WORDING.unexpected;
  }
}
