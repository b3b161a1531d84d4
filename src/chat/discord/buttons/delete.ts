/**
 * 🗑️ Delete, under a result: only the asker or a member with Manage Messages. Whose the result is,
 * Easel's record of the message the button sits on says (Discord names the message), never the
 * custom id — a client can send any string there; the job id in it is for the logs.
 */
import { PermissionFlagsBits } from 'discord.js';
import { WORDING } from '../../../requests/wording.ts';
import { mayDelete } from '../../../requests/variations.ts';
import { button } from '../handler.ts';
import { isRequester } from '../requester.ts';
import { replyError } from '../respond.ts';

export const deleteResult = button({
  prefix: 'delete',
  parse: (parts) => (parts.length ? { jobId: parts.join(':') } : undefined),
  async run(interaction, { jobId }, ctx) {
    const moderator = interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
    const record = await ctx.jobs.resultAt('discord', interaction.message.id);
    const ownerId = record && isRequester(record.owner, interaction) ? interaction.user.id : undefined;
    if (!mayDelete(interaction.user.id, ownerId, moderator)) {
      ctx.log.info({ messageId: interaction.message.id, by: interaction.user.id, owner: record?.owner.userId, claimedJob: jobId }, 'discord: delete refused');
      return replyError(interaction, record || moderator ? WORDING.notYoursToDelete : WORDING.resultOwnerUnknown, ctx.log);
    }
    // The message the button sits on is the interaction's "original response" once acknowledged.
    await interaction.deferUpdate();
    await interaction.deleteReply();
    ctx.log.info({ messageId: interaction.message.id, by: interaction.user.id, owner: record?.owner.userId, jobId: record?.jobId }, 'discord: result deleted');
  },
});
