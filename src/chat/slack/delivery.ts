/**
 * Slack's port of the chat delivery core (../common/delivery/): the status message follows the
 * job through chat.update (queued, painting, progress bar and ETA, with a Cancel button), the
 * result is uploaded into the thread with files.uploadV2 and a caption, and the thread remembers
 * the style so the next photo posted there is painted the same way.
 *
 * An animated photo's result is uploaded as its GIF. The final status carries the buttons under a
 * result — Another style, Higher quality, the variations and Delete (listeners/actions/vary.ts).
 *
 * Idempotent results: each upload is recorded per job in Redis (upload-record.ts): a retried
 * delivery whose earlier attempt recorded "posted" skips the upload. Only when an earlier attempt
 * started and did not record its end is Slack asked: files.completeUploadExternal takes no message
 * metadata, so the job id travels in the shared file's name (`easel-<style>-<jobId>.png`, or
 * `.gif`) and the thread is read once (conversations.replies — limited to one call a minute for
 * apps outside the Marketplace, so never on the normal path). The final status update carries the
 * job id in its message metadata, next to the thread's style.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../../log.ts';
import { requesterOf, type JobsClient } from '../../jobs/types.ts';
import { describeError } from '../../util/describe-error.ts';
import type { ChatPort, CompletedEvent } from '../common/delivery/port.ts';
import { WORDING } from '../../requests/wording.ts';
import type { StatusView } from '../common/delivery/status-view.ts';
import { resultBlocks, statusBlocks } from './blocks.ts';
import type { PresetCatalog } from '../../presets/types.ts';
import { effectiveStrength, offeredVariations } from '../../requests/variations.ts';
import type { Config } from '../../config.ts';
import { higherQuality, recipeOf, renderDefaults, saveRecipe } from '../common/recipe.ts';
import { SlackReplyTo } from './reply-to.ts';
import type { UploadRecords } from './upload-record.ts';
import { isNoInstallation } from './install/installation-store.ts';
import { isTokenRefreshFailed } from './install/token-refresh.ts';
import { workspaceOf, type BotIdentity, type SlackWorkspace, type WorkspaceDirectory } from './workspaces.ts';
import { styleMetadata, type ThreadStyles } from './thread-style.ts';

export interface SlackPortDeps {
  /**
   * The workspace a job's reply-to names, its token looked up at call time (a delivery may run in
   * another process, long after the request; the token may have been rotated meanwhile). Its
   * `client` uploads (and, retrying an upload of unknown outcome, reads the thread); its
   * `statusClient` (chat.update) hands 429s back instead of waiting (the throttle waits per message).
   */
  workspaces: Pick<WorkspaceDirectory, 'of'>;
  jobs: JobsClient;
  /** What earlier attempts uploaded, per job (the exactly-once check without reading the thread). */
  uploads: Pick<UploadRecords, 'begin' | 'posted'>;
  /** The thread memory, read through a workspace's client. */
  threadsOf: (workspace: SlackWorkspace) => Pick<ThreadStyles, 'remember'>;
  /** The presets "Another style" offers, and the strength each paints with (Stronger / Subtler). */
  presets: Pick<PresetCatalog, 'get' | 'all'>;
  /** The deployment's quality and size defaults (whether "Higher quality" has anything higher). */
  render: Pick<Config['render'], 'defaultQuality' | 'defaultSize' | 'maxSize'>;
  log: Logger;
}

/** The result's file name; it carries the job id so a retried delivery (or Delete) can find the upload. */
function resultFileName(styleLabel: string, jobId: string, extension: string): string {
  return `easel-${slug(styleLabel)}-${jobId}.${extension}`;
}

/** Whether a shared file is the result of `jobId` (whatever its style and format). */
function isResultOf(fileName: string | undefined, jobId: string): boolean {
  return fileName !== undefined && fileName.startsWith('easel-') && /\.(png|gif|webp)$/.test(fileName) && fileName.slice(0, fileName.lastIndexOf('.')).endsWith(`-${jobId}`);
}

/**
 * The message in which the bot shared `jobId`'s result in a thread (its ts), if there is one: how
 * a retried delivery sees that an earlier attempt posted already, and what Delete removes.
 */
/** How a Slack message is named in Easel's result records: its channel and ts. */
export function resultPlace(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

export async function findResultMessage(client: webApi.WebClient, self: BotIdentity, at: { channel: string; threadTs: string }, jobId: string): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await client.conversations.replies({ channel: at.channel, ts: at.threadTs, limit: 200, cursor });
    const found = (page.messages ?? []).find((m) => (m.user === self.botUserId || (m.bot_id !== undefined && m.bot_id === self.botId)) && (m.files ?? []).some((f) => isResultOf(f.name, jobId)));
    if (found?.ts) return found.ts;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return undefined;
}

export function slackPort(deps: SlackPortDeps): ChatPort<SlackReplyTo> {
  const { log } = deps;

  /**
   * The job's workspace with its token, or undefined when the workspace removed Easel or its token
   * can no longer be refreshed: nothing can be posted there, so the delivery ends without trying
   * (resolving: the jobs layer must not retry a post that cannot happen).
   */
  async function reachable(to: SlackReplyTo, jobId: string): Promise<SlackWorkspace | undefined> {
    try {
      return await deps.workspaces.of(workspaceOf(to));
    } catch (err) {
      if (!isNoInstallation(err) && !isTokenRefreshFailed(err)) throw err;
      log.info({ jobId, team: to.teamId, enterprise: to.enterpriseId, why: (err as Error).name }, 'slack: the job\'s workspace cannot be reached (uninstalled or token lost); nothing posted');
      return undefined;
    }
  }

  async function update(to: SlackReplyTo, view: StatusView, jobId: string, metadata?: webApi.MessageMetadata, blocks = statusBlocks(view.text, view.cancellable ? { jobId } : undefined)): Promise<void> {
    const workspace = await reachable(to, jobId);
    if (!workspace) return;
    await workspace.statusClient.chat.update({ channel: to.channel, ts: to.statusTs, text: view.text, blocks, ...(metadata ? { metadata } : {}) });
  }

  async function postResult(to: SlackReplyTo, event: CompletedEvent, caption: string): Promise<void> {
    const { request, result, jobId } = event;
    const jlog = log.child({ jobId, channel: to.channel, team: to.teamId });
    const workspace = await reachable(to, jobId);
    if (!workspace) return;
    const { client } = workspace;
    const fail = (text: string) => update(to, { phase: 'failed', text: `⚠️ ${text}`, cancellable: false }, jobId);
    // An animated photo's painting goes as its animation (Slack shows GIFs inline).
    const fileName = resultFileName(result.styleLabel, jobId, result.animation?.format ?? 'png');

    const earlier = await deps.uploads.begin(jobId);
    if (earlier === 'posted' || (earlier === 'unsure' && (await findResultMessage(client, workspace.self, { channel: to.channel, threadTs: to.threadTs }, jobId)))) {
      jlog.info({ earlier }, 'slack: the result is in the thread already (an earlier attempt posted it); finishing the status only');
    } else {
      const bytes = await deps.jobs.blobs.get(result.animation?.key ?? result.resultKey);
      if (!bytes) {
        jlog.error({ resultKey: result.resultKey }, 'slack: result blob missing (expired?)');
        return fail(WORDING.renderFailed);
      }
      try {
        await client.filesUploadV2({
          channel_id: to.channel,
          thread_ts: to.threadTs,
          file: bytes,
          filename: fileName,
          title: `Painted: ${result.styleLabel}`,
          initial_comment: `<@${to.userId}> here is your painting — ${caption}`,
        });
      } catch (err) {
        if (isRefused(err)) {
          jlog.error({ err: describeError(err) }, 'slack: result upload refused');
          return fail(WORDING.uploadFailed);
        }
        throw err; // network trouble, timeouts, 5xx: the jobs layer delivers again later
      }
      jlog.info({ bytes: bytes.length }, 'slack: result delivered');
    }
    await deps.uploads.posted(jobId);

    const thread = { style: request.style, options: request.options };
    deps.threadsOf(workspace).remember(to.channel, to.threadTs, thread);
    const metadata = styleMetadata(thread, jobId);
    const recipeKey = await saveRecipe(deps.jobs.blobs, recipeOf(request)).catch((err: unknown) => {
      jlog.warn({ err: describeError(err) }, 'slack: could not store the recipe; the result goes without variation buttons');
      return undefined;
    });
    const text = `✅ Done — ${caption}\n${WORDING.restyleHint}`;
    const variations = offeredVariations(request.options, effectiveStrength(request, deps.presets));
    const current = request.style.kind === 'preset' ? request.style.presetId : undefined;
    const presets = deps.presets.all().filter((p) => p.id !== current);
    const canGoHigher = higherQuality(request.options, renderDefaults(deps.render)) !== undefined;
    const blocks = resultBlocks(text, { recipeKey, presets, canGoHigher, variations, options: request.options, delete: { jobId } });
    // Easel's record of the message the Delete button sits on, and whose the result is.
    await deps.jobs.recordResult('slack', resultPlace(to.channel, to.statusTs), { jobId, owner: requesterOf(request) });
    await update(to, { phase: 'done', text, cancellable: false }, jobId, metadata, blocks);
  }

  return {
    parseTarget: (replyTo) => {
      const parsed = SlackReplyTo.safeParse(replyTo);
      return parsed.success ? parsed.data : undefined;
    },
    canEditStatus: () => true,
    editStatus: (to, view, jobId) => update(to, view, jobId),
    postResult,
    postFailure: (to, view, jobId) => update(to, view, jobId),
    retryAfterMs: (err) => (isRateLimited(err) ? Math.max(1, err.retryAfter) * 1000 : undefined),
  };
}

function isRateLimited(err: unknown): err is { retryAfter: number } {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === webApi.ErrorCode.RateLimitedError;
}

/** Slack answered ok:false (not_in_channel, channel_not_found…): trying again will not help. */
function isRefused(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === webApi.ErrorCode.PlatformError;
}

function slug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'painting';
}
