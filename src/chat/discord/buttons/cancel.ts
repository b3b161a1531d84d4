/** ✖️ Cancel, under a running job's status: only the asker may press it. */
import { WORDING } from '../../../requests/wording.ts';
import { button } from '../handler.ts';
import { isRequester } from '../requester.ts';
import { replyError } from '../respond.ts';


export const cancel = button({
  prefix: 'cancel',
  // Buttons posted before owners left the custom id carry one more part (a user id): ignored.
  parse: (parts) => (parts.length === 0 ? undefined : { jobId: parts.length >= 2 ? parts.slice(0, -1).join(':') : parts[0] }),
  async run(interaction, { jobId }, ctx) {
    // Whose the job is, its own record says (jobs.cancel checks it again); the button only names it.
    const owner = await ctx.jobs.ownerOf(jobId);
    if (!owner) return replyError(interaction, WORDING.tooLate, ctx.log);
    if (!isRequester(owner, interaction)) return replyError(interaction, WORDING.notYours(), ctx.log);
    const cancelled = await ctx.jobs.cancel(jobId, interaction.user.id, interaction.guildId ?? undefined);
    if (!cancelled) return replyError(interaction, WORDING.tooLate, ctx.log);
    // The 'cancelled' event edits the message to its final text; until then, no more buttons.
    await interaction.update({ content: '✖️ Cancelling…', components: [] });
  },
});
