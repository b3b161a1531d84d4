/** ✖️ Cancel, under a running job's status: only the asker may press it. */
import { ERROR_TEXT } from '../../common/text.ts';
import { button } from '../handler.ts';
import { isRequester } from '../requester.ts';
import { replyError } from '../respond.ts';

export const NOT_YOURS_TEXT = ERROR_TEXT.notYours('the person who asked for it');

export const cancel = button({
  prefix: 'cancel',
  // Buttons posted before owners left the custom id carry one more part (a user id): ignored.
  parse: (parts) => (parts.length === 0 ? undefined : { jobId: parts.length >= 2 ? parts.slice(0, -1).join(':') : parts[0] }),
  async run(interaction, { jobId }, ctx) {
    // Whose the job is, its own record says (jobs.cancel checks it again); the button only names it.
    const owner = await ctx.jobs.ownerOf(jobId);
    if (!owner) return replyError(interaction, ERROR_TEXT.tooLate, ctx.log);
    if (!isRequester(owner, interaction)) return replyError(interaction, NOT_YOURS_TEXT, ctx.log);
    const cancelled = await ctx.jobs.cancel(jobId, interaction.user.id, interaction.guildId ?? undefined);
    if (!cancelled) return replyError(interaction, ERROR_TEXT.tooLate, ctx.log);
    // The 'cancelled' event edits the message to its final text; until then, no more buttons.
    await interaction.update({ content: '✖️ Cancelling…', components: [] });
  },
});
