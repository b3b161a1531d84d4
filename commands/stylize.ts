/**
 * /stylize photo:<attachment> style:<preset, autocomplete> [style_image] [strength] [size] [quality] [preserve_colors]
 *
 * Metadata is checked before deferring (an obviously bad file gets an instant ephemeral answer);
 * the download, decode and queueing happen after `deferReply`, well within Discord's 3 s.
 * A style image, when given, wins over the preset.
 */
import { SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { QUALITIES } from '../src/config.ts';
import type { RequestOptions, StyleChoice } from '../src/requests/style-request.ts';
import { ERROR_TEXT } from '../src/chat/common/text.ts';
import type { SlashCommand } from '../src/chat/discord/command.ts';
import type { DiscordContext } from '../src/chat/discord/context.ts';
import { describeError } from '../src/util/describe-error.ts';
import { checkAttachment, ingestPhoto, PhotoError } from '../src/chat/discord/photos.ts';
import { replyError } from '../src/chat/discord/respond.ts';
import { startJob } from '../src/chat/discord/start-job.ts';
import { presetChoices, resolvePreset } from '../src/chat/discord/ui.ts';

export const data = new SlashCommandBuilder()
  .setName('stylize')
  .setDescription('Paint your photo in the style of a famous painting')
  .addAttachmentOption((o) => o.setName('photo').setDescription('Your photo (JPEG, PNG, WebP…)').setRequired(true))
  .addStringOption((o) => o.setName('style').setDescription('A painting — start typing a title or an artist').setAutocomplete(true))
  .addAttachmentOption((o) => o.setName('style_image').setDescription('…or your own style image (used instead of a preset)'))
  .addNumberOption((o) => o.setName('strength').setDescription('0 = your photo, 1 = the painting (default 0.5)').setMinValue(0).setMaxValue(1))
  .addIntegerOption((o) => o.setName('size').setDescription("Output's longest side in pixels").setMinValue(32).setMaxValue(4096))
  .addStringOption((o) =>
    o
      .setName('quality')
      .setDescription('fast (seconds) … best (minutes)')
      .addChoices(...QUALITIES.map((q) => ({ name: q, value: q }))),
  )
  .addBooleanOption((o) => o.setName('preserve_colors').setDescription("Keep your photo's colours"));

export function optionsFrom(interaction: ChatInputCommandInteraction): RequestOptions {
  const options: RequestOptions = {};
  const strength = interaction.options.getNumber('strength');
  const size = interaction.options.getInteger('size');
  const quality = interaction.options.getString('quality');
  const preserveColors = interaction.options.getBoolean('preserve_colors');
  if (strength !== null) options.strength = strength;
  if (size !== null) options.size = size;
  if (quality !== null && (QUALITIES as readonly string[]).includes(quality)) options.quality = quality as RequestOptions['quality'];
  if (preserveColors !== null) options.preserveColors = preserveColors;
  return options;
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: DiscordContext): Promise<void> {
  const photo = interaction.options.getAttachment('photo');
  const styleImage = interaction.options.getAttachment('style_image');
  const presetValue = interaction.options.getString('style');
  const limits = ctx.config.limits;

  const problem =
    checkAttachment(photo, limits) ??
    (styleImage ? checkAttachment(styleImage, limits) : undefined) ??
    (!styleImage && !presetValue ? ERROR_TEXT.noStyle : undefined) ??
    (!styleImage && presetValue && !resolvePreset(ctx.presets, presetValue) ? ERROR_TEXT.unknownPreset(presetValue) : undefined);
  if (problem) return replyError(interaction, problem, ctx.log);

  await interaction.deferReply();
  try {
    const [content, styleBlob] = await Promise.all([ingestPhoto(photo!, ctx.jobs.blobs, limits), styleImage ? ingestPhoto(styleImage, ctx.jobs.blobs, limits) : undefined]);
    const style: StyleChoice = styleBlob ? { kind: 'images', images: [{ blob: styleBlob, weight: 1 }] } : { kind: 'preset', presetId: resolvePreset(ctx.presets, presetValue!)!.id };
    await startJob(ctx, interaction, { content, style, options: optionsFrom(interaction) });
  } catch (err) {
    if (err instanceof PhotoError) return replyError(interaction, err.userMessage, ctx.log);
    ctx.log.error({ interactionId: interaction.id, err: describeError(err) }, 'discord: /stylize failed');
    return replyError(interaction, ERROR_TEXT.queueDown, ctx.log);
  }
}

/** Autocomplete for `style`: ≤ 25 presets matching the typed title or artist, answered at once. */
export async function autocomplete(interaction: AutocompleteInteraction, ctx: DiscordContext): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const choices = focused.name === 'style' ? presetChoices(ctx.presets, String(focused.value)) : [];
  await interaction.respond(choices);
}

export const command: SlashCommand = { kind: 'slash', data, execute, autocomplete };
