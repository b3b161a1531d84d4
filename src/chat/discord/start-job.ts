/**
 * Discord's side of the intake (../common/intake): a deferred interaction's routing data → the
 * intake → the queue position on the reply. Refusals (limits, untrusted or unreadable files…)
 * become ephemeral errors.
 */
import { ChannelType, PermissionFlagsBits, type RepliableInteraction } from 'discord.js';
import type { RequestOptions } from '../../requests/style-request.ts';
import { intake, sourcePolicies, type ImageInput, type IntakeDeps, type StyleInput } from '../common/intake/index.ts';
import type { DiscordContext } from './context.ts';
import { channelTypeOf } from './raw-interaction.ts';
import type { DiscordReplyTo } from './reply-to.ts';
import { replyError } from './respond.ts';

/** What a Discord entry point hands the intake: the photo, the style, the options. */
export interface JobInput {
  content: ImageInput;
  style: StyleInput;
  options: RequestOptions;
}

/** Threads can start from messages in text and announcement channels, given the permissions. */
export function canStartThread(interaction: RepliableInteraction, useThreads: boolean): boolean {
  if (!useThreads || !interaction.inGuild()) return false;
  const type = channelTypeOf(interaction);
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

/** The intake's dependencies as Discord uses them: its own file hosts, no download headers. */
export function intakeDeps(ctx: DiscordContext): IntakeDeps {
  return { config: ctx.config, jobs: ctx.jobs, log: ctx.log, source: sourcePolicies(ctx.config).discord, settings: ctx.settings };
}

/**
 * Run the intake for an interaction that has been deferred (publicly). Returns the job id, or
 * undefined when it was refused (the user has been told why, ephemerally).
 */
export async function startJob(ctx: DiscordContext, interaction: RepliableInteraction, input: JobInput): Promise<string | undefined> {
  let replyTo: DiscordReplyTo | undefined;
  const outcome = await intake(
    intakeDeps(ctx),
    { platform: 'discord', requestId: `discord-${interaction.id}`, user: { id: interaction.user.id, name: interaction.user.username }, server: interaction.guildId ?? undefined, channel: interaction.channelId ?? undefined, ...input },
    {
      async replyTo() {
        const reply = await interaction.fetchReply();
        replyTo = interactionReplyTo(interaction, reply.id, ctx.discord.useThreads);
        return replyTo;
      },
    },
  );
  if (outcome.kind === 'refused') {
    await replyError(interaction, outcome.text, ctx.log);
    return undefined;
  }
  if (outcome.kind === 'duplicate' || !replyTo) return undefined;
  ctx.delivery.showSubmitted(outcome.submitted.jobId, replyTo, outcome.submitted);
  return outcome.submitted.jobId;
}
