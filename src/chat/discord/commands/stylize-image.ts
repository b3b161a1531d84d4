/**
 * "Stylize image" (message context menu): on any message with an image, asks for the style with a
 * select menu of presets, then paints that image (see `execute`).
 */
import { ApplicationCommandType, ContextMenuCommandBuilder, MessageFlags, type MessageContextMenuCommandInteraction } from 'discord.js';
import { WORDING } from '../../../requests/wording.ts';
import type { MessageMenuCommand } from '../handler.ts';
import type { DiscordContext } from '../context.ts';
import { remoteProblem } from '../../common/intake/index.ts';
import { embedImage, firstImage, remoteImage, type AttachmentMeta } from '../photos.ts';
import { savePendingRecipe } from '../../common/recipe.ts';
import { replyError } from '../respond.ts';
import { presetSelectRow } from '../preset-ui.ts';

export const data = new ContextMenuCommandBuilder().setName('Stylize image').setType(ApplicationCommandType.Message);


/**
 * The message's first image: an attachment, else an embed's image — only through Discord's own
 * media proxy (`proxy_url`), never the URL a webhook or bot wrote into the embed, which could
 * point anywhere (the intake refuses every host but Discord's own anyway).
 */
export function imageOf(interaction: MessageContextMenuCommandInteraction): AttachmentMeta | undefined {
  const message = interaction.targetMessage;
  const attached = firstImage(message.attachments.values());
  if (attached) return attached;
  for (const embed of message.embeds) {
    const url = embed.image?.proxyURL ?? embed.thumbnail?.proxyURL;
    if (url) return embedImage(url);
  }
  return undefined;
}

/**
 * Nothing is fetched yet: the photo travels to the select's handler in a small recipe blob and
 * goes through the intake (limits first) once the user has chosen a style.
 */
export async function execute(interaction: MessageContextMenuCommandInteraction, ctx: DiscordContext): Promise<void> {
  const image = imageOf(interaction);
  const problem = image ? remoteProblem(remoteImage(image), ctx.config.limits) : WORDING.noImageInMessage;
  if (problem) return replyError(interaction, problem, ctx.log);

  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const recipeKey = await savePendingRecipe(ctx.jobs.blobs, { v: 1, content: { url: image!.url, name: image!.name, size: image!.size, contentType: image!.contentType }, options: {} });
  if (!recipeKey) return replyError(interaction, WORDING.storageFull, ctx.log);
  const components = presetSelectRow(ctx.presets, recipeKey);
  if (!components.length) return replyError(interaction, WORDING.unexpected, ctx.log);
  await interaction.editReply({ content: `🎨 ${WORDING.whichPainting}`, components });
}

export const command: MessageMenuCommand = { kind: 'message-menu', data, execute };
