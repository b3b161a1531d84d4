/**
 * "Stylize image" (message context menu): on any message with an image, asks for the style with a
 * select menu of presets, then paints that image. The photo is fetched and checked while the user
 * is still choosing, and travels to the select's handler as a recipe blob (see recipe.ts).
 */
import { ApplicationCommandType, ContextMenuCommandBuilder, MessageFlags, type MessageContextMenuCommandInteraction } from 'discord.js';
import { ERROR_TEXT } from '../src/chat/common/text.ts';
import type { MessageMenuCommand } from '../src/chat/discord/command.ts';
import type { DiscordContext } from '../src/chat/discord/context.ts';
import { describeError } from '../src/util/describe-error.ts';
import { checkAttachment, firstImage, ingestPhoto, PhotoError, type AttachmentMeta } from '../src/chat/discord/photos.ts';
import { saveRecipe } from '../src/chat/discord/recipe.ts';
import { replyError } from '../src/chat/discord/respond.ts';
import { presetSelectRow } from '../src/chat/discord/ui.ts';

export const data = new ContextMenuCommandBuilder().setName('Stylize image').setType(ApplicationCommandType.Message);

export const NO_IMAGE_TEXT = "That message has no image I can paint. Use it on a message with a photo attached.";

/** The message's first image: an attachment, else an embedded image (a link preview). */
export function imageOf(interaction: MessageContextMenuCommandInteraction): AttachmentMeta | undefined {
  const message = interaction.targetMessage;
  const attached = firstImage(message.attachments.values());
  if (attached) return attached;
  for (const embed of message.embeds) {
    const url = embed.image?.url ?? embed.thumbnail?.url;
    if (url) return { url, name: new URL(url).pathname.split('/').pop() ?? 'image', size: 0, contentType: 'image/*' };
  }
  return undefined;
}

export async function execute(interaction: MessageContextMenuCommandInteraction, ctx: DiscordContext): Promise<void> {
  const image = imageOf(interaction);
  const problem = image ? checkAttachment(image, ctx.config.limits) : NO_IMAGE_TEXT;
  if (problem) return replyError(interaction, problem, ctx.log);

  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  try {
    const content = await ingestPhoto(image!, ctx.jobs.blobs, ctx.config.limits);
    const recipeKey = await saveRecipe(ctx.jobs.blobs, { v: 1, content, options: {} });
    const components = presetSelectRow(ctx.presets, recipeKey);
    if (!components.length) return replyError(interaction, ERROR_TEXT.unexpected, ctx.log);
    await interaction.editReply({ content: '🎨 Which painting should I paint this image like?', components });
  } catch (err) {
    if (err instanceof PhotoError) return replyError(interaction, err.userMessage, ctx.log);
    ctx.log.error({ interactionId: interaction.id, err: describeError(err) }, 'discord: "Stylize image" failed');
    return replyError(interaction, ERROR_TEXT.queueDown, ctx.log);
  }
}

export const command: MessageMenuCommand = { kind: 'message-menu', data, execute };
