/**
 * Job events → Slack: the status message follows the job (queued, painting, progress bar and ETA,
 * with a Cancel button), the result is uploaded into the thread with files.uploadV2 and a caption,
 * and the thread remembers the style so the next photo posted there is painted the same way.
 *
 * `completed`, `failed` and `cancelled` arrive exactly once and are marked delivered when this
 * handler resolves: it throws only when trying again later can help (Slack unreachable).
 */
import type { JobEvent, JobEventHandler } from '../../jobs/types.ts';
import { ERROR_TEXT, captionText, progressBar, progressText, queuedText } from '../common/text.ts';
import { statusBlocks } from './blocks.ts';
import { describeError, slackErrorCode, type SlackContext } from './context.ts';
import { SlackReplyTo } from './reply-to.ts';
import { styleMetadata } from './thread-style.ts';

export const RESTYLE_HINT = 'Post another photo in this thread to paint it the same way.';

export function createDeliveryHandler(ctx: SlackContext): JobEventHandler {
  return async (event) => {
    const parsed = SlackReplyTo.safeParse(event.request.replyTo);
    if (!parsed.success) {
      ctx.log.warn({ jobId: event.jobId }, 'slack: job event without Slack routing data; ignored');
      return;
    }
    const to = parsed.data;
    const target = { channel: to.channel, ts: to.statusTs };
    const cancel = { jobId: event.jobId, ownerId: to.userId };
    const show = (text: string) => ctx.board.show(target, { text, blocks: statusBlocks(text, cancel) });

    switch (event.type) {
      case 'queued':
        return show(queuedText(event.position, event.etaMs, event.workersOnline));
      case 'active':
        return show(`🖌️ Painting… ${progressBar(0)}`);
      case 'progress':
        return show(progressText(event.progress));
      case 'completed':
        return deliverResult(ctx, event, to);
      case 'failed': {
        ctx.log.info({ jobId: event.jobId, reason: event.reason }, 'slack: job failed');
        const text = `⚠️ ${event.userMessage || ERROR_TEXT.renderFailed}`;
        await ctx.board.finish(target, { text, blocks: statusBlocks(text) });
        return;
      }
      case 'cancelled': {
        const text = `🛑 ${ERROR_TEXT.cancelled}`;
        await ctx.board.finish(target, { text, blocks: statusBlocks(text) });
        return;
      }
    }
  };
}

async function deliverResult(ctx: SlackContext, event: Extract<JobEvent, { type: 'completed' }>, to: SlackReplyTo): Promise<void> {
  const { request, result } = event;
  const target = { channel: to.channel, ts: to.statusTs };
  const log = ctx.log.child({ jobId: event.jobId, channel: to.channel });
  const fail = async (text: string) => {
    await ctx.board.finish(target, { text: `⚠️ ${text}`, blocks: statusBlocks(`⚠️ ${text}`) });
  };

  const png = await ctx.jobs.blobs.get(result.resultKey);
  if (!png) {
    log.error({ resultKey: result.resultKey }, 'slack: result blob missing (expired?)');
    return fail(ERROR_TEXT.renderFailed);
  }
  const caption = captionText(result, { strength: request.options.strength });
  try {
    await ctx.client.filesUploadV2({
      channel_id: to.channel,
      thread_ts: to.threadTs,
      file: png,
      filename: `easel-${slug(result.styleLabel)}.png`,
      title: `Painted: ${result.styleLabel}`,
      initial_comment: `<@${to.userId}> here is your painting — ${caption}`,
    });
  } catch (err) {
    if (slackErrorCode(err) === undefined) throw err; // network trouble: let the jobs layer deliver again later
    log.error({ err: describeError(err) }, 'slack: result upload refused');
    return fail("I painted it but couldn't upload it here. Please try again.");
  }
  log.info({ bytes: png.length }, 'slack: result delivered');

  const thread = { style: request.style, options: request.options };
  ctx.threads.remember(to.channel, to.threadTs, thread);
  const text = `✅ Done — ${caption}\n${RESTYLE_HINT}`;
  await ctx.board.finish(target, { text, blocks: statusBlocks(text), metadata: styleMetadata(thread) });
}

function slug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'painting';
}
