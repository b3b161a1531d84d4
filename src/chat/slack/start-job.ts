/**
 * Slack's side of the intake (../common/intake), shared by the thread reply, the mention, the
 * thread restyle and the modal: translate Slack's file objects, open the status message once the
 * images are in, show the queue position. Problems go to the user privately (`notify`); a refusal
 * after the status message exists removes it again, so a channel only keeps messages about real jobs.
 */
import { WORDING } from '../../requests/wording.ts';
import { intake, IntakeRefusal, sourcePolicies, type ImageInput, type StyleInput } from '../common/intake/index.ts';
import type { RequestOptions, StyleChoice } from '../../requests/style-request.ts';
import { describeError, slackErrorCode, type SlackContext } from './context.ts';
import { remoteImage, SlackFile } from './files.ts';
import type { SlackReplyTo } from './reply-to.ts';
import type { WorkspaceRef } from './workspaces.ts';

/** Where the style comes from: a preset, the style a thread remembers, or an image the user attached. */
export type StyleSource = StyleChoice | { kind: 'file'; file: SlackFile };

export interface JobIntake {
  /** Idempotency key: the event id, or the modal's view id. */
  requestId: string;
  user: { id: string; name?: string };
  /** The workspace (team id): part of the user's identity for limits and cancel. */
  team?: string;
  channel: string;
  /** Thread to answer in; absent = the status message starts a new thread in the channel. */
  threadTs?: string;
  /** A file the user shared, or (a variation of a result) the earlier job's photo. */
  photo: SlackFile | ImageInput;
  style: StyleSource;
  options: RequestOptions;
}

/** Tells the user something privately (ephemeral). */
export type Notify = (text: string) => Promise<void>;


export async function startJob(ctx: SlackContext, job: JobIntake, notify: Notify): Promise<void> {
  const log = ctx.log.child({ requestId: job.requestId, channel: job.channel, user: job.user.id });
  const content: ImageInput = 'kind' in job.photo ? job.photo : remoteImage(await withFileInfo(ctx, job.photo));
  const style: StyleInput = job.style.kind === 'file' ? { kind: 'image', image: remoteImage(await withFileInfo(ctx, job.style.file)) } : job.style;

  let status: { channel: string; ts: string } | undefined;
  // The job records its workspace (never its token): the delivery looks the token up when it posts.
  const where = workspaceFields(ctx.workspace);
  const outcome = await intake(
    { config: ctx.config, presets: ctx.presets, jobs: ctx.jobs, log, source: sourcePolicies(ctx.config).slack, fileHeaders: { authorization: `Bearer ${ctx.workspace.token}` }, settings: ctx.settings },
    { platform: 'slack', requestId: job.requestId, user: job.user, server: job.team, channel: job.channel, content, style, options: job.options },
    {
      async replyTo(): Promise<SlackReplyTo> {
        let posted;
        try {
          posted = await ctx.client.chat.postMessage({ channel: job.channel, thread_ts: job.threadTs, text: `🎨 ${WORDING.gettingReady}` });
        } catch (err) {
          log.warn({ err: describeError(err) }, 'slack: could not post the status message');
          const code = slackErrorCode(err);
          const notMember = code === 'not_in_channel' || code === 'channel_not_found';
          throw new IntakeRefusal(notMember ? 'not-in-channel' : 'status-failed', notMember ? WORDING.notInChannel : WORDING.queueDown, describeError(err).message);
        }
        status = { channel: job.channel, ts: posted.ts as string };
        return { channel: job.channel, threadTs: job.threadTs ?? status.ts, statusTs: status.ts, userId: job.user.id, ...where };
      },
      abandon: () => (status ? deleteQuietly(ctx, status) : Promise.resolve()),
    },
  );
  if (outcome.kind === 'duplicate') return;
  if (outcome.kind === 'refused') return notify(outcome.text);
  const { submitted } = outcome;
  // What Easel changed of what was asked (a size over the limit…), privately, as Discord and the CLI say it.
  if (outcome.notes.length && submitted.state !== 'duplicate') await notify(outcome.notes.map((n) => `ℹ️ ${n}`).join('\n'));
  if (!status) return;
  if (submitted.state === 'duplicate') {
    // Another delivery of the same event already started this job and owns its status message.
    await deleteQuietly(ctx, status);
  } else if (submitted.state === 'queued') {
    ctx.presenter.showSubmitted(submitted.jobId, { channel: status.channel, threadTs: job.threadTs ?? status.ts, statusTs: status.ts, userId: job.user.id, ...where }, submitted);
  }
  // 'cached': a 'completed' event follows at once and finishes the status message.
}

/** The reply-to's workspace fields (only those set: single-workspace mode records none). */
function workspaceFields(ws: WorkspaceRef): Pick<SlackReplyTo, 'teamId' | 'enterpriseId' | 'enterpriseInstall'> {
  return {
    ...(ws.teamId ? { teamId: ws.teamId } : {}),
    ...(ws.enterpriseId ? { enterpriseId: ws.enterpriseId } : {}),
    ...(ws.enterpriseInstall ? { enterpriseInstall: true } : {}),
  };
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

async function deleteQuietly(ctx: SlackContext, target: { channel: string; ts: string }): Promise<void> {
  try {
    await ctx.client.chat.delete({ channel: target.channel, ts: target.ts });
  } catch (err) {
    ctx.log.warn({ err: describeError(err) }, 'slack: could not delete a status message');
  }
}
