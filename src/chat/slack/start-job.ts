/**
 * The one path from "a user gave us a photo" to "a job is queued", shared by the thread reply, the
 * mention, the thread restyle and the modal:
 *
 *   check file metadata → download (cap, timeout) → decodeImage (limits) → blob
 *   → status message in the thread → jobs.submit → status "queued at N" with a Cancel button
 *
 * Problems before the status message exists go to the user privately (`notify`); a refusal after it
 * removes the status message again, so a channel only keeps messages about real jobs.
 */
import { decodeImage, ImageError } from '../../images/index.ts';
import { JobRefused } from '../../jobs/types.ts';
import { parseStyleRequest, type BlobRef, type RequestOptions, type StyleChoice } from '../../requests/style-request.ts';
import { ERROR_TEXT, refusalText } from '../common/text.ts';
import { describeError, slackErrorCode, type SlackContext } from './context.ts';
import { downloadSlackFile, SlackDownloadError } from './download.ts';
import { downloadUrl, fileProblem, SlackFile } from './files.ts';
import type { SlackReplyTo } from './reply-to.ts';

/** Where the style comes from: a preset, the style a thread remembers, or an image the user attached. */
export type StyleSource = StyleChoice | { kind: 'file'; file: SlackFile };

export interface JobIntake {
  /** Idempotency key: the event id, or the modal's view id. */
  requestId: string;
  user: { id: string; name?: string };
  channel: string;
  /** Thread to answer in; absent = the status message starts a new thread in the channel. */
  threadTs?: string;
  photo: SlackFile;
  style: StyleSource;
  options: RequestOptions;
}

/** Tells the user something privately (ephemeral). */
export type Notify = (text: string) => Promise<void>;

export const NOT_IN_CHANNEL_TEXT = "I'm not in this channel yet — add me with `/invite @Easel`, then try again.";

export async function startJob(ctx: SlackContext, intake: JobIntake, notify: Notify): Promise<void> {
  const log = ctx.log.child({ requestId: intake.requestId, channel: intake.channel, user: intake.user.id });
  const photo = await withFileInfo(ctx, intake.photo);
  const styleFile = intake.style.kind === 'file' ? await withFileInfo(ctx, intake.style.file) : undefined;
  for (const f of [photo, ...(styleFile ? [styleFile] : [])]) {
    const problem = fileProblem(f, ctx.config.limits.maxUploadBytes);
    if (problem) return notify(problem);
  }

  let content: BlobRef;
  let style: StyleChoice;
  try {
    content = await fetchImage(ctx, photo);
    style = intake.style.kind === 'file' ? { kind: 'images', images: [{ blob: await fetchImage(ctx, styleFile ?? intake.style.file), weight: 1 }] } : intake.style;
  } catch (err) {
    const userMessage = err instanceof SlackDownloadError || err instanceof ImageError ? err.userMessage : ERROR_TEXT.queueDown;
    log.info({ err: describeError(err) }, 'slack: photo refused');
    return notify(userMessage);
  }

  let statusTs: string;
  try {
    const posted = await ctx.client.chat.postMessage({ channel: intake.channel, thread_ts: intake.threadTs, text: '🎨 Got your photo — getting the easel ready…' });
    statusTs = posted.ts as string;
  } catch (err) {
    log.warn({ err: describeError(err) }, 'slack: could not post the status message');
    return notify(slackErrorCode(err) === 'not_in_channel' || slackErrorCode(err) === 'channel_not_found' ? NOT_IN_CHANNEL_TEXT : ERROR_TEXT.queueDown);
  }
  const replyTo: SlackReplyTo = { channel: intake.channel, threadTs: intake.threadTs ?? statusTs, statusTs, userId: intake.user.id };
  const target = { channel: intake.channel, ts: statusTs };

  try {
    const request = parseStyleRequest({ requestId: intake.requestId, platform: 'slack', user: intake.user, replyTo, content, style, options: intake.options });
    const submitted = await ctx.jobs.submit(request);
    log.info({ jobId: submitted.jobId, state: submitted.state, position: submitted.position }, 'slack: job submitted');
    if (submitted.state === 'duplicate') {
      // Another delivery of the same event already started this job and owns its status message.
      await deleteQuietly(ctx, target);
    } else if (submitted.state === 'queued') {
      ctx.presenter.showSubmitted(submitted.jobId, replyTo, submitted);
    }
    // 'cached': a 'completed' event follows at once and finishes the status message.
  } catch (err) {
    await deleteQuietly(ctx, target);
    if (err instanceof JobRefused) {
      log.info({ code: err.code }, 'slack: job refused');
      return notify(refusalText(err.code, err.userMessage));
    }
    log.error({ err: describeError(err) }, 'slack: submit failed');
    return notify(ERROR_TEXT.queueDown);
  }
}

/**
 * Some events carry only a stub of a file (`file_access: 'check_file_info'`, e.g. in Slack Connect
 * channels): files.info gives the full object with its type, size and url_private.
 */
async function withFileInfo(ctx: SlackContext, file: SlackFile): Promise<SlackFile> {
  if (file.url_private || file.url_private_download) return file;
  try {
    const info = await ctx.client.files.info({ file: file.id });
    const parsed = SlackFile.safeParse(info.file);
    return parsed.success ? parsed.data : file;
  } catch (err) {
    ctx.log.warn({ fileId: file.id, err: describeError(err) }, 'slack: files.info failed');
    return file;
  }
}

/** Download a Slack file, decode it under the configured limits, store it as a blob. */
async function fetchImage(ctx: SlackContext, file: SlackFile): Promise<BlobRef> {
  const { limits } = ctx.config;
  const bytes = await downloadSlackFile(downloadUrl(file), { botToken: ctx.slack.botToken, maxBytes: limits.maxUploadBytes, timeoutMs: limits.downloadTimeoutMs });
  const image = await decodeImage(bytes, { maxBytes: limits.maxUploadBytes, maxPixels: limits.maxInputPixels });
  const key = await ctx.jobs.blobs.put(bytes);
  return { key, width: image.width, height: image.height };
}

async function deleteQuietly(ctx: SlackContext, target: { channel: string; ts: string }): Promise<void> {
  try {
    await ctx.client.chat.delete({ channel: target.channel, ts: target.ts });
  } catch (err) {
    ctx.log.warn({ err: describeError(err) }, 'slack: could not delete a status message');
  }
}
