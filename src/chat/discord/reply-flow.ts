/**
 * Replying to one of Easel's results with a new photo restyles that photo with the same style and
 * options. The bot sees the photo when it has the Message Content intent, or — without it — when
 * the reply pings the bot (Discord's default for replies), since mentions always carry content.
 *
 * A result is recognised by its "Another style" button, whose custom id holds the recipe key.
 */
import type { Message } from 'discord.js';
import { JobRefused } from '../../jobs/types.ts';
import type { StyleRequest } from '../../requests/style-request.ts';
import { ERROR_TEXT, refusalText } from '../common/text.ts';
import type { DiscordContext } from './context.ts';
import { decodeCustomId } from './custom-ids.ts';
import { describeError } from '../../util/describe-error.ts';
import { checkAttachment, firstImage, ingestPhoto, PhotoError } from './photos.ts';
import { loadRecipe } from './recipe.ts';
import type { DiscordReplyTo } from './reply-to.ts';

/** The recipe key on a message's "Another style" / "Higher quality" button, if it is a result. */
export function recipeKeyOf(message: Message): string | undefined {
  for (const row of message.components) {
    if (!('components' in row)) continue;
    for (const component of row.components) {
      const customId = 'customId' in component ? component.customId : null;
      const action = customId ? decodeCustomId(customId) : undefined;
      if (action && (action.action === 'another' || action.action === 'hq')) return action.recipeKey;
    }
  }
  return undefined;
}

export async function handleReplyWithPhoto(message: Message, ctx: DiscordContext): Promise<void> {
  if (message.author.bot || !message.reference?.messageId) return;
  const photo = firstImage(message.attachments.values());
  if (!photo) return;
  const referenced = await message.fetchReference().catch(() => undefined);
  if (!referenced || referenced.author.id !== ctx.client.user?.id) return;
  const recipeKey = recipeKeyOf(referenced);
  if (!recipeKey) return;

  const say = (text: string) => message.reply({ content: `⚠️ ${text}`, allowedMentions: { repliedUser: false } }).catch(() => undefined);
  const problem = checkAttachment(photo, ctx.config.limits);
  if (problem) return void (await say(problem));
  const recipe = await loadRecipe(ctx.jobs.blobs, recipeKey);
  if (!recipe?.style) return void (await say(ERROR_TEXT.expired));

  const status = await message.reply({ content: '⏳ Got it — fetching your photo…', allowedMentions: { repliedUser: false } });
  const fail = (text: string) => status.edit({ content: `⚠️ ${text}`, components: [] }).catch(() => undefined);
  try {
    const content = await ingestPhoto(photo, ctx.jobs.blobs, ctx.config.limits);
    const replyTo: DiscordReplyTo = {
      kind: 'message',
      applicationId: ctx.client.application?.id ?? ctx.client.user!.id,
      channelId: message.channelId,
      guildId: message.guildId ?? undefined,
      statusMessageId: status.id,
      userMessageId: message.id,
      userId: message.author.id,
      useThread: false,
    };
    const request: StyleRequest = {
      requestId: `discord-msg-${message.id}`,
      platform: 'discord',
      user: { id: message.author.id, name: message.author.username },
      replyTo,
      content,
      style: recipe.style,
      options: recipe.options,
    };
    const submitted = await ctx.jobs.submit(request);
    ctx.log.info({ messageId: message.id, jobId: submitted.jobId, position: submitted.position }, 'discord: reply-with-photo job submitted');
    ctx.delivery.showSubmitted(submitted.jobId, replyTo, submitted);
  } catch (err) {
    if (err instanceof PhotoError) return void (await fail(err.userMessage));
    if (err instanceof JobRefused) return void (await fail(refusalText(err.code, err.userMessage)));
    ctx.log.error({ messageId: message.id, err: describeError(err) }, 'discord: reply-with-photo failed');
    await fail(ERROR_TEXT.queueDown);
  }
}
