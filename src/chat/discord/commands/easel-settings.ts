/**
 * /easel-settings show | set [quality] [size] [max-size] [channels] [quota] [uploads]
 *
 * The server's own settings (src/settings), for the people who run it: registered with
 * default_member_permissions = Manage Server (Discord hides it from everyone else), and checked
 * again here on every use (a server can override the default in its integration settings).
 * Typed options become the same key → text pairs Slack's `/stylize settings` parses, so both
 * platforms accept the same values; a change takes effect on the next request.
 */
import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { QUALITIES } from '../../../config.ts';
import { WORDING } from '../../../requests/wording.ts';
import { describeSettings, parseSettingsPatch, SettingsError, type SettingKey } from '../../../settings/index.ts';
import type { SlashCommand } from '../handler.ts';
import type { DiscordContext } from '../context.ts';
import { describeError } from '../../../util/describe-error.ts';
import { replyError } from '../respond.ts';

export const data = new SlashCommandBuilder()
  .setName('easel-settings')
  .setDescription("Easel's settings for this server (needs Manage Server)")
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) => s.setName('show').setDescription("Show this server's settings"))
  .addSubcommand((s) =>
    s
      .setName('set')
      .setDescription('Change settings (type "default" to reset one)')
      .addStringOption((o) => o.setName('quality').setDescription('Default quality').addChoices(...[...QUALITIES, 'default'].map((q) => ({ name: q, value: q }))))
      .addStringOption((o) => o.setName('size').setDescription('Default output size in pixels, or "default"'))
      .addStringOption((o) => o.setName('max-size').setDescription('Largest size members may ask for, or "default"'))
      .addStringOption((o) => o.setName('channels').setDescription('Channels where Easel answers: "all", or #a,#b'))
      .addStringOption((o) => o.setName('quota').setDescription('Paintings per member per day, or "off"'))
      .addStringOption((o) => o.setName('uploads').setDescription('May members use their own style images?').addChoices(...['on', 'off'].map((v) => ({ name: v, value: v })))),
  );

const KEYS: readonly SettingKey[] = ['quality', 'size', 'max-size', 'channels', 'quota', 'uploads'];

/** `<#123>` or a bare id → the channel id. */
export function discordChannelId(typed: string): string | undefined {
  return /^(?:<#)?(\d{5,25})>?$/.exec(typed.trim())?.[1];
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: DiscordContext): Promise<void> {
  const settings = ctx.settings;
  if (!interaction.inGuild() || !settings) return replyError(interaction, WORDING.settingsNeedServer, ctx.log);
  // Discord already hides the command from members without Manage Server; a server may widen who
  // sees it, so the permission is checked again here.
  if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
    ctx.log.info({ user: interaction.user.id, guild: interaction.guildId }, 'discord: settings change refused (no Manage Server)');
    return replyError(interaction, WORDING.notAdmin('members with the Manage Server permission'), ctx.log);
  }
  const scope = { platform: 'discord', serverId: interaction.guildId };
  try {
    let current;
    let heading: string;
    if (interaction.options.getSubcommand() === 'set') {
      const pairs = KEYS.flatMap((k): Array<[string, string]> => {
        const v = interaction.options.getString(k);
        return v === null ? [] : [[k, v]];
      });
      current = await settings.store.update(scope, parseSettingsPatch(pairs, discordChannelId));
      ctx.log.info({ user: interaction.user.id, guild: interaction.guildId, keys: pairs.map(([k]) => k) }, 'discord: server settings changed');
      heading = `✅ ${WORDING.settingsSaved}`;
    } else {
      current = await settings.store.get(scope);
      heading = `⚙️ ${WORDING.settingsFor('server')}`;
    }
    const lines = describeSettings(current, ctx.config.render, (id) => `<#${id}>`);
    await interaction.reply({ content: [heading, ...lines.map((l) => `• ${l}`)].join('\n'), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  } catch (err) {
    if (err instanceof SettingsError) return replyError(interaction, err.message, ctx.log);
    ctx.log.error({ interactionId: interaction.id, err: describeError(err) }, 'discord: /easel-settings failed');
    return replyError(interaction, WORDING.unexpected, ctx.log);
  }
}

export const command: SlashCommand = { kind: 'slash', data, execute };
