/**
 * `/stylize settings [show | key=value …]`: the workspace's own settings (src/settings), for its
 * admins and owners only (users.info `is_admin` / `is_owner`, asked on every use — a role can change).
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

async function isWorkspaceAdmin(ctx: SlackContext, userId: string): Promise<boolean> {
  const info = await ctx.client.users.info({ user: userId });
  return info.user?.is_admin === true || info.user?.is_owner === true;
}

/**
 * Answer a settings command (`rest`: the text after the keyword). Returns the ephemeral text.
 * Never throws: failures become words for the admin and a log line for the operator.
 */
export async function settingsCommand(ctx: SlackContext, who: { userId: string; teamId: string }, rest: string): Promise<string> {
  const settings = ctx.settings;
  if (!settings) return WORDING.unexpected;
  try {
    if (!(await isWorkspaceAdmin(ctx, who.userId))) {
      ctx.log.info({ user: who.userId, team: who.teamId }, 'slack: settings refused (not a workspace admin)');
      return WORDING.notAdmin('workspace admins and owners');
    }
    const scope = { platform: 'slack', serverId: who.teamId };
    const text = rest.trim();
    let heading: string;
    let current;
    if (text === '' || text.toLowerCase() === 'show') {
      current = await settings.store.get(scope);
      heading = "⚙️ Easel's settings for this workspace:";
    } else {
      const pairs = splitPairs(text);
      current = await settings.store.update(scope, parseSettingsPatch(pairs, slackChannelId));
      ctx.log.info({ user: who.userId, team: who.teamId, keys: pairs.map(([k]) => k) }, 'slack: workspace settings changed');
      heading = '✅ Settings saved — they apply from the next request.';
    }
    const lines = describeSettings(current, ctx.config.render, (id) => `<#${id}>`);
    return [heading, ...lines.map((l) => `• ${l}`), '', 'Change with e.g. `/stylize settings quality=draft size=512 max-size=1024 channels=#art quota=20 uploads=off` (`default` resets one).'].join('\n');
  } catch (err) {
    if (err instanceof SettingsError) return `⚠️ ${err.message}`;
    ctx.log.error({ err: describeError(err) }, 'slack: /stylize settings failed');
    return WORDING.unexpected;
  }
}
