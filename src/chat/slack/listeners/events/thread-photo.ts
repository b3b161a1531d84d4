/**
 * A photo posted (without mentioning Easel) in a thread Easel knows — the prompt of a
 * `/stylize <preset>`, or a thread where Easel delivered a result — is painted with that thread's
 * style and options. Every other message is none of Easel's business and is ignored.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { slackFiles } from '../../files.ts';
import { startJob } from '../../start-job.ts';

type Args = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;

interface UserMessage {
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  files?: unknown;
}

export function threadPhoto(ctx: SlackContext) {
  return async ({ event, body }: Args): Promise<void> => {
    const m = event as unknown as UserMessage;
    if (m.subtype !== undefined && m.subtype !== 'file_share') return;
    if (!m.user || m.bot_id || !m.thread_ts || m.thread_ts === m.ts) return;
    // A message that mentions Easel arrives as app_mention too; that listener handles it.
    if (ctx.self.botUserId && m.text?.includes(`<@${ctx.self.botUserId}`)) return;
    const [photo] = slackFiles(m.files);
    if (!photo) return;
    const { user, channel, thread_ts: threadTs } = m;

    ctx.background('thread photo', async () => {
      const remembered = await ctx.threads.recall(channel, threadTs);
      if (!remembered) return;
      const notify = async (text: string) => {
        await ctx.client.chat.postEphemeral({ channel, user, text, thread_ts: threadTs });
      };
      await startJob(ctx, { requestId: body.event_id, user: { id: user }, team: body.team_id, channel, threadTs, photo, style: remembered.style, options: remembered.options }, notify);
    });
  };
}
