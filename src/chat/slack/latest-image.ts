/**
 * `/stylize <style> latest` (and `@Easel <style> latest` without a photo): slash commands carry no files, so the photo is the most recent image
 * among the channel's last 50 messages (conversations.history; only what the bot may read — Slack
 * answers not_in_channel otherwise). Downloads still go through the intake's trusted fetch.
 */
import { looksLikeImage } from '../common/intake/index.ts';
import { WORDING } from '../../requests/wording.ts';
import type { RequestOptions } from '../../requests/style-request.ts';
import { webApi } from '@slack/bolt';
import { describeError, slackErrorCode, type SlackContext } from './context.ts';
import { slackFiles, type SlackFile } from './files.ts';
import { startJob, type Notify, type StyleSource } from './start-job.ts';

/** How far back it looks (the same as Discord's). */
export const HISTORY_LIMIT = 50;

/** The newest message's first image in `channel`, with who posted it. */
export async function latestChannelImage(ctx: SlackContext, channel: string): Promise<{ file: SlackFile; userId?: string } | undefined> {
  // The read client hands a 429 back: history is limited to one call a minute for apps outside the Marketplace.
  const history = await ctx.workspace.readClient.conversations.history({ channel, limit: HISTORY_LIMIT });
  for (const message of history.messages ?? []) {
    const image = slackFiles(message.files).find((f) => looksLikeImage({ name: f.name, contentType: f.mimetype }));
    if (image) return { file: image, userId: message.user };
  }
  return undefined;
}

export interface LatestImageRequest {
  requestId: string;
  user: string;
  team?: string;
  channel: string;
  /** Thread to answer in; absent = the status message starts a new thread in the channel. */
  threadTs?: string;
  style: StyleSource;
  options: RequestOptions;
}

/** Find the image, say whose it is (privately), and start the job with it. */
export async function paintLatestImage(ctx: SlackContext, req: LatestImageRequest, notify: Notify): Promise<void> {
  let found;
  try {
    found = await latestChannelImage(ctx, req.channel);
  } catch (err) {
    const retryAfter = rateLimitedFor(err);
    if (retryAfter !== undefined) {
      ctx.log.info({ channel: req.channel, retryAfter }, 'slack: channel history rate-limited; the user is asked to attach the photo or wait');
      return notify(WORDING.historyBusy(retryAfter));
    }
    ctx.log.warn({ err: describeError(err), channel: req.channel }, 'slack: could not read the channel history');
    const code = slackErrorCode(err);
    return notify(code === 'not_in_channel' || code === 'channel_not_found' ? WORDING.notInChannel : WORDING.cannotReadHistory);
  }
  if (!found) return notify(WORDING.noRecentImage(HISTORY_LIMIT));
  await notify(`🔎 ${WORDING.usingImageBy(found.userId ? `<@${found.userId}>` : 'someone')}`);
  await startJob(ctx, { requestId: req.requestId, user: { id: req.user }, team: req.team, channel: req.channel, threadTs: req.threadTs, photo: found.file, style: req.style, options: req.options }, notify);
}

/** Seconds Slack asked to wait when it refused a call with 429, or undefined for any other error. */
function rateLimitedFor(err: unknown): number | undefined {
  const e = err as { code?: string; retryAfter?: number } | undefined;
  return e?.code === webApi.ErrorCode.RateLimitedError ? (e.retryAfter ?? 60) : undefined;
}
