/**
 * /stylize [photo:<attachment>] style:<preset, autocomplete> [style2] [mix] [style_image] [strength] [size] [quality] [preserve_colors] [brush]
 *
 * Metadata is checked before deferring (an obviously bad file gets an instant ephemeral answer);
 * the intake (limits, download, header probe, queueing) runs after `deferReply`.
 * A style image, when given, wins over the preset.
 */
import { MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { RequestOptions, StyleChoice } from '../../../requests/style-request.ts';
import type { Preset } from '../../../presets/types.ts';
import { mixedStyle } from '../../common/mix.ts';
import { resolvePreset } from '../../../presets/resolve.ts';
import { precheck } from '../../common/intake/index.ts';
import { WORDING } from '../../../requests/wording.ts';
import type { SlashCommand } from '../handler.ts';
import type { DiscordContext } from '../context.ts';
import { HISTORY_LIMIT, latestChannelImage, remoteImage } from '../photos.ts';
import { describeError } from '../../../util/describe-error.ts';
import { replyError } from '../respond.ts';
import { startJob, type JobInput } from '../start-job.ts';
import { presetChoices } from '../preset-ui.ts';
import { addTableOption, chatOption, tableOptionsFrom } from '../table-options.ts';

export const data = new SlashCommandBuilder()
  .setName('stylize')
  .setDescription('Paint your photo in the style of a famous painting')
  .addAttachmentOption((o) => o.setName('photo').setDescription('Your photo (JPEG, PNG, WebP…) — or leave out to paint the latest image here'))
  .addStringOption((o) => o.setName('style').setDescription('A painting — start typing a title or an artist').setAutocomplete(true))
  .addAttachmentOption((o) => o.setName('style_image').setDescription('…or your own style image (used instead of a preset)'));
// The knobs come from the one option table, so their names, ranges and help match Slack, the CLI and the README.
for (const name of ['strength', 'size', 'quality', 'preserve_colors']) addTableOption(data, chatOption(name));
data.addStringOption((o) => o.setName('style2').setDescription('A second painting to mix with the first').setAutocomplete(true));
for (const name of ['mix', 'brush']) addTableOption(data, chatOption(name));

/** The options the user set, read by the option table (table-options.ts), as Slack's and the CLI's are. */
export function optionsFrom(interaction: ChatInputCommandInteraction): RequestOptions {
  return tableOptionsFrom(interaction);
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: DiscordContext): Promise<void> {
  const photo = interaction.options.getAttachment('photo');
  const styleImage = interaction.options.getAttachment('style_image');
  const presetValue = interaction.options.getString('style');
  const preset = presetValue ? resolvePreset(ctx.presets, presetValue) : undefined;
  if (!styleImage && !presetValue) return replyError(interaction, WORDING.noStyle, ctx.log);
  const unknown = (typed: string) => WORDING.unknownPreset(typed, { suggestions: ctx.presets.search(typed, 3).map((p) => p.id), listCommand: '/styles' });
  if (!styleImage && !preset) return replyError(interaction, unknown(presetValue!), ctx.log);
  const style = styleImage ? ({ kind: 'image', image: remoteImage(styleImage) } as const) : presetStyle(interaction, ctx, preset!, unknown);
  if (typeof style === 'string') return replyError(interaction, style, ctx.log);

  const options = optionsFrom(interaction);
  if (!photo) return paintLatestImage(interaction, ctx, style, options);
  const input: JobInput = { content: remoteImage(photo), style, options };
  // Metadata that already rules the request out is answered at once, before deferring.
  const problem = precheck(input, ctx.config.limits);
  if (problem) return replyError(interaction, problem, ctx.log);
  await interaction.deferReply();
  await startJob(ctx, interaction, input);
}

/**
 * `/stylize` without a photo (like esmBot): the most recent image among the channel's last 50
 * messages that the bot may read. Reading the history takes a request, so the reply is deferred
 * first; the asker is told privately whose image is being painted.
 */
async function paintLatestImage(interaction: ChatInputCommandInteraction, ctx: DiscordContext, style: JobInput['style'], options: RequestOptions): Promise<void> {
  if (interaction.inGuild() && !interaction.appPermissions.has([PermissionFlagsBits.ViewChannel, PermissionFlagsBits.ReadMessageHistory])) {
    return replyError(interaction, WORDING.cannotReadHistory, ctx.log);
  }
  await interaction.deferReply();
  let found;
  try {
    found = await latestChannelImage(ctx.client, interaction.channelId);
  } catch (err) {
    ctx.log.warn({ interactionId: interaction.id, err: describeError(err) }, 'discord: could not read the channel history');
    return replyError(interaction, WORDING.cannotReadHistory, ctx.log);
  }
  if (!found) return replyError(interaction, WORDING.noRecentImage(HISTORY_LIMIT), ctx.log);
  const input: JobInput = { content: remoteImage(found.image), style, options };
  const problem = precheck(input, ctx.config.limits);
  if (problem) return replyError(interaction, problem, ctx.log);
  ctx.log.info({ interactionId: interaction.id, messageId: found.messageId }, 'discord: painting the latest image in the channel');
  // A private note rather than an edit of the reply: the status edits that follow would replace it.
  await interaction.followUp({ content: `🔎 ${WORDING.usingImageBy(`<@${found.authorId}>`)}`, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  await startJob(ctx, interaction, input);
}

/** The preset alone, or mixed with `style2` at `mix`; a string is the problem to tell the user. */
function presetStyle(interaction: ChatInputCommandInteraction, ctx: DiscordContext, preset: Preset, unknown: (typed: string) => string): StyleChoice | string {
  const secondValue = interaction.options.getString('style2');
  const mix = interaction.options.getNumber('mix');
  if (secondValue === null) return mix === null ? { kind: 'preset', presetId: preset.id } : WORDING.mixNeedsTwo;
  const second = resolvePreset(ctx.presets, secondValue);
  if (!second) return unknown(secondValue);
  const mixed = mixedStyle(preset, second, mix ?? undefined);
  return mixed.ok ? mixed.style : mixed.text;
}

/** Autocomplete for `style`: ≤ 25 presets matching the typed title or artist, answered at once. */
export async function autocomplete(interaction: AutocompleteInteraction, ctx: DiscordContext): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const choices = focused.name === 'style' || focused.name === 'style2' ? presetChoices(ctx.presets, String(focused.value)) : [];
  await interaction.respond(choices);
}

export const command: SlashCommand = { kind: 'slash', data, execute, autocomplete };
