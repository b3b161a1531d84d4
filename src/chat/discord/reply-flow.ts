/**
 * Replying to one of Easel's results with a new photo restyles that photo with the same style and
 * options. The bot sees the photo when it has the Message Content intent, or — without it — when
 * the reply pings the bot (Discord's default for replies), since mentions always carry content.
 *
 * A result is recognised by its "Another style" button, whose custom id holds the recipe key.
 */
import type { Message } from 'discord.js';
import { intake } from '../common/intake/index.ts';
import { WORDING } from '../../requests/wording.ts';
import type { DiscordContext } from './context.ts';
import { componentFor } from './components.ts';
import { anotherStyle } from './buttons/another-style.ts';
import { higherQualityButton } from './buttons/higher-quality.ts';
import { firstImage, remoteImage } from './photos.ts';
import { loadRecipe } from '../common/recipe.ts';
import type { DiscordReplyTo } from './reply-to.ts';
import { intakeDeps } from './start-job.ts';

/** The recipe key on a message's "Another style" / "Higher quality" button, if it is a result. */
export function recipeKeyOf(message: Message): string | undefined {
  for (const row of message.components) {
    if (!('components' in row)) continue;
    for (const component of row.components) {
      const customId = 'customId' in component ? component.customId : null;
      const found = customId ? componentFor('button', customId) : undefined;
      if (found && (found.handler === anotherStyle || found.handler === higherQualityButton)) return found.args.recipeKey;
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
  const recipe = await loadRecipe(ctx.jobs.blobs, recipeKey);
  if (!recipe?.style) return void (await say(WORDING.expired));

  let replyTo: DiscordReplyTo | undefined;
  let status: Message | undefined;
  const outcome = await intake(
    intakeDeps(ctx),
    { platform: 'discord', requestId: `discord-msg-${message.id}`, user: { id: message.author.id, name: message.author.username }, server: message.guildId ?? undefined, channel: message.channelId, content: remoteImage(photo), style: recipe.style, options: recipe.options },
    {
      async replyTo() {
        status = await message.reply({ content: `⏳ ${WORDING.gotItGettingReady}`, allowedMentions: { repliedUser: false } });
        replyTo = {
          kind: 'message',
          applicationId: ctx.client.application?.id ?? ctx.client.user!.id,
          channelId: message.channelId,
          guildId: message.guildId ?? undefined,
          statusMessageId: status.id,
          userMessageId: message.id,
          userId: message.author.id,
          useThread: false,
        };
        return replyTo;
      },
    },
  );
  if (outcome.kind === 'refused') {
    if (status) await status.edit({ content: `⚠️ ${outcome.text}`, components: [] }).catch(() => undefined);
    else await say(outcome.text);
    return;
  }
  if (outcome.kind === 'duplicate' || !replyTo) return;
  ctx.delivery.showSubmitted(outcome.submitted.jobId, replyTo, outcome.submitted);
}
