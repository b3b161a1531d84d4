/**
 * Turning a deferred interaction into a job: routing data → StyleRequest → jobs.submit → the queue
 * position on the reply. Refusals (queue full, user limit, unknown preset…) become ephemeral errors.
 */
import { ChannelType, PermissionFlagsBits, type RepliableInteraction } from 'discord.js';
import { JobRefused, type Submitted } from '../../jobs/types.ts';
import type { BlobRef, RequestOptions, StyleChoice, StyleRequest } from '../../requests/style-request.ts';
import { ERROR_TEXT, refusalText } from '../common/text.ts';
import type { DiscordContext } from './context.ts';
import { describeError } from '../../util/describe-error.ts';
import type { DiscordReplyTo } from './reply-to.ts';
import { replyError } from './respond.ts';

export interface JobInput {
  content: BlobRef;
  style: StyleChoice;
  options: RequestOptions;
}

/** Threads can start from messages in text and announcement channels, given the permissions. */
export function canStartThread(interaction: RepliableInteraction, useThreads: boolean): boolean {
  if (!useThreads || !interaction.inGuild()) return false;
  const type = interaction.channel?.type;
  if (type !== ChannelType.GuildText && type !== ChannelType.GuildAnnouncement) return false;
  return interaction.appPermissions.has([PermissionFlagsBits.CreatePublicThreads, PermissionFlagsBits.SendMessagesInThreads]);
}

export function interactionReplyTo(interaction: RepliableInteraction, statusMessageId: string, useThreads: boolean): DiscordReplyTo {
  return {
    kind: 'interaction',
    applicationId: interaction.applicationId,
    interactionToken: interaction.token,
    interactionCreatedAt: interaction.createdTimestamp,
    channelId: interaction.channelId!,
    guildId: interaction.guildId ?? undefined,
    statusMessageId,
    userId: interaction.user.id,
    useThread: canStartThread(interaction, useThreads),
    attachmentSizeLimit: interaction.attachmentSizeLimit,
  };
}

/**
 * Submit a job for an interaction that has been deferred (publicly). Returns the job id, or
 * undefined when it was refused (the user has been told why).
 */
export async function startJob(ctx: DiscordContext, interaction: RepliableInteraction, input: JobInput): Promise<string | undefined> {
  const reply = await interaction.fetchReply();
  const replyTo = interactionReplyTo(interaction, reply.id, ctx.discord.useThreads);
  const request: StyleRequest = {
    requestId: `discord-${interaction.id}`,
    platform: 'discord',
    user: { id: interaction.user.id, name: interaction.user.username },
    replyTo,
    content: input.content,
    style: input.style,
    options: input.options,
  };
  let submitted: Submitted;
  try {
    submitted = await ctx.jobs.submit(request);
  } catch (err) {
    if (err instanceof JobRefused) {
      ctx.log.info({ interactionId: interaction.id, code: err.code }, 'discord: request refused');
      await replyError(interaction, refusalText(err.code, err.userMessage), ctx.log);
      return undefined;
    }
    ctx.log.error({ interactionId: interaction.id, err: describeError(err) }, 'discord: could not submit the job');
    await replyError(interaction, ERROR_TEXT.queueDown, ctx.log);
    return undefined;
  }
  ctx.log.info({ interactionId: interaction.id, jobId: submitted.jobId, state: submitted.state, position: submitted.position }, 'discord: job submitted');
  ctx.delivery.showSubmitted(submitted.jobId, replyTo, submitted);
  return submitted.jobId;
}
