/**
 * Discord's side of the intake (../common/intake): a deferred interaction's routing data → the
 * intake → the queue position on the reply. Refusals (limits, untrusted or unreadable files…)
 * become ephemeral errors.
 */
import { ChannelType, MessageFlags, PermissionFlagsBits, type RepliableInteraction } from 'discord.js';
import { WORDING } from '../../requests/wording.ts';
import { describeError } from '../../util/describe-error.ts';
import { intake, sourcePolicies, type AskedRequest, type IntakeDeps } from '../common/intake/index.ts';
import type { DiscordContext } from './context.ts';
import { channelTypeOf } from './raw-interaction.ts';
import type { DiscordReplyTo } from './reply-to.ts';
import { replyError } from './respond.ts';

/** What a Discord entry point hands the intake: the photo, the style, the options (the intake's AskedRequest). */
export type JobInput = AskedRequest;

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
  return { config: ctx.config, presets: ctx.presets, jobs: ctx.jobs, log: ctx.log, source: sourcePolicies(ctx.config).discord, settings: ctx.settings };
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
      async replyTo(notes) {
        const reply = await interaction.fetchReply();
        replyTo = interactionReplyTo(interaction, reply.id, ctx.discord.useThreads);
        if (notes.length) await tellNotes(ctx, interaction, notes);
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

/**
 * What Easel changed of what was asked (a size over the limit…), told privately, as Slack and the
 * CLI tell it. Before the job is submitted, so no status edit can race it: the deferred reply gets its
 * first words first (a follow-up to a reply still "thinking" would take its place and its visibility).
 */
async function tellNotes(ctx: DiscordContext, interaction: RepliableInteraction, notes: readonly string[]): Promise<void> {
  try {
    if (interaction.deferred && !interaction.replied) await interaction.editReply({ content: `🎨 ${WORDING.gettingReady}` });
    await interaction.followUp({ content: notes.map((n) => `ℹ️ ${n}`).join('\n'), flags: MessageFlags.Ephemeral });
  } catch (err) {
    ctx.log.warn({ interactionId: interaction.id, err: describeError(err) }, 'discord: could not show the notes');
  }
}
