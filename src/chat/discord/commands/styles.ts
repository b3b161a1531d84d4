/** /styles: the preset gallery image, with each preset's name, artist and id. */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { SlashCommand } from '../handler.ts';
import type { DiscordContext } from '../context.ts';
import { describeError } from '../../../util/describe-error.ts';
import { replyError } from '../respond.ts';
import { stylesListing } from '../preset-ui.ts';
import { WORDING } from '../../../requests/wording.ts';

export const data = new SlashCommandBuilder().setName('styles').setDescription('Show the paintings Easel can paint like');

export async function execute(interaction: ChatInputCommandInteraction, ctx: DiscordContext): Promise<void> {
  // The gallery is generated once and cached; the first call may take longer than 3 s.
  await interaction.deferReply();
  try {
    const gallery = await ctx.presets.galleryPng();
    await interaction.editReply({ content: stylesListing(ctx.presets), files: [{ attachment: gallery, name: 'easel-styles.png' }] });
  } catch (err) {
    ctx.log.error({ interactionId: interaction.id, err: describeError(err) }, 'discord: /styles failed');
    await replyError(interaction, WORDING.galleryFailed, ctx.log);
  }
}

export const command: SlashCommand = { kind: 'slash', data, execute };
