/**
 * The Cancel button on a status message. Only the person who asked for the painting may cancel it
 * (the job's own record says who; the button's value only names the job); the 'cancelled' job
 * event then finishes the status message.
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { WORDING } from '../../../../requests/wording.ts';
import type { CancelButtonValue } from '../../blocks.ts';
import { describeError, type SlackContext } from '../../context.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export function cancelJob(ctx: SlackContext) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const value = parseValue(action.value);
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (!value || !channel) return;
    const threadTs = body.message?.thread_ts;
    const tell = async (text: string) => {
      await client.chat.postEphemeral({ channel, user: body.user.id, text, thread_ts: threadTs });
    };
    const team = body.team?.id ?? body.user.team_id;
    try {
      // Whose the job is, its own record says (jobs.cancel checks it again); the button only names it.
      const owner = await ctx.jobs.ownerOf(value.jobId);
      if (!owner) return tell(WORDING.tooLate);
      if (owner.platform !== 'slack' || owner.userId !== body.user.id || owner.server !== team) return tell(WORDING.notYours(`<@${owner.userId}>`));
      const cancelled = await ctx.jobs.cancel(value.jobId, body.user.id, team);
      ctx.log.info({ jobId: value.jobId, cancelled }, 'slack: cancel requested');
      if (!cancelled) return tell(WORDING.tooLate);
    } catch (err) {
      ctx.log.error({ jobId: value.jobId, err: describeError(err) }, 'slack: cancel failed');
      return tell(WORDING.cancelFailed);
    }
  };
}

function parseValue(raw: string | undefined): CancelButtonValue | undefined {
  try {
    const v = raw ? (JSON.parse(raw) as Partial<CancelButtonValue>) : undefined;
    return v && typeof v.jobId === 'string' ? { jobId: v.jobId } : undefined;
  } catch {
    return undefined;
  }
}
