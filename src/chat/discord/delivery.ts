/**
 * Discord's port of the chat delivery core (../common/delivery/): how a job's status, result and
 * failure look in Discord. Every event carries the request and its `replyTo`, so this works in any
 * bot process and after restarts.
 *
 *   status  → edit the interaction's reply (or the bot's status reply), with a Cancel button and,
 *             every so often, a preview image
 *   result  → the attachment (fitted under the limit), caption and "Another style" / "Higher
 *             quality" buttons — in a thread started from the reply when allowed, else in the
 *             reply; after the token expired, posted with the bot token, mentioning the user
 *   failure → the friendly reason, ephemeral while the token lives
 *
 * Idempotent results: editing the reply is idempotent by nature; a new message (thread, channel)
 * carries a `nonce` derived from the job id with `enforce_nonce`, so Discord returns the first
 * message instead of creating a second when a retried delivery posts again (within Discord's
 * nonce window of a few minutes).
 */
import { createHash } from 'node:crypto';
import { ChannelType, DiscordAPIError, MessageFlags, ThreadAutoArchiveDuration, type Client, type MessageCreateOptions, type ThreadChannel, type WebhookMessageEditOptions, InteractionWebhook } from 'discord.js';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { requesterOf, type JobsClient } from '../../jobs/types.ts';
import type { PresetCatalog } from '../../presets/types.ts';
import { effectiveStrength, offeredVariations } from '../../requests/variations.ts';
import { decodeImage, encodeImage } from '../../images/index.ts';
import { describeError } from '../../util/describe-error.ts';
import { createJobPresenter, type JobPresenter } from '../common/delivery/presenter.ts';
import type { ChatPort, CompletedEvent } from '../common/delivery/port.ts';
import type { StatusView } from '../common/delivery/status-view.ts';
import { higherQuality, recipeOf, renderDefaults, saveRecipe } from '../common/recipe.ts';
import { attachmentLimit, parseReplyTo, tokenUsable, type DiscordReplyTo } from './reply-to.ts';
import { cancelRow, mention, resultRow, truncate, type Row } from './ui.ts';
import { WORDING } from '../../requests/wording.ts';

/** Upload a fresh preview at most this often: an attachment edit is heavier than a text edit. */
export const PREVIEW_INTERVAL_MS = 8_000;

export interface DeliveryDeps {
  client: Client;
  jobs: JobsClient;
  config: Config;
  /** For the strength a preset paints with (which of Stronger / Subtler to offer). */
  presets: Pick<PresetCatalog, 'get'>;
  log: Logger;
  now?: () => number;
}

/**
 * The Discord presenter: `handle` goes to `jobs.subscribe('discord', …)`, `showSubmitted` to the
 * commands. Pacing (one editor per job, EASEL_EDIT_INTERVAL_MS, EASEL_DISCORD_EDITS_PER_S) is the jobs layer's.
 */
export function createDelivery(deps: DeliveryDeps): JobPresenter {
  return createJobPresenter({ port: discordPort(deps), log: deps.log, showStatus: (jobId, status) => deps.jobs.showStatus(jobId, status) });
}

/** A message nonce for a job (Discord: at most 25 characters), the same in every process and attempt. */
export function nonceFor(jobId: string): string {
  return createHash('sha256').update(jobId).digest('base64url').slice(0, 25);
}

export function discordPort(deps: DeliveryDeps): ChatPort<DiscordReplyTo> {
  const { client, jobs, config, log } = deps;
  const now = deps.now ?? Date.now;
  const lastPreview = new Map<string, { at: number; key: string }>();

  async function sendStatus(r: DiscordReplyTo, jobId: string, view: StatusView): Promise<void> {
    const payload: WebhookMessageEditOptions = { content: view.text, components: view.cancellable ? cancelRow(jobId) : [] };
    const preview = await previewFile(jobId, view.previewKey);
    if (preview) {
      payload.files = [preview];
      payload.attachments = [];
    } else if (!view.cancellable) {
      payload.attachments = [];
    }
    if (r.kind === 'message') {
      await editChannelMessage(r, payload);
    } else if (tokenUsable(r, now())) {
      await webhook(r).editMessage('@original', payload);
    }
  }

  async function previewFile(jobId: string, previewKey: string | undefined): Promise<{ attachment: Buffer; name: string } | undefined> {
    if (!previewKey) return undefined;
    const last = lastPreview.get(jobId);
    if (last && (last.key === previewKey || now() - last.at < PREVIEW_INTERVAL_MS)) return undefined;
    const bytes = await jobs.blobs.get(previewKey);
    if (!bytes) return undefined;
    lastPreview.set(jobId, { at: now(), key: previewKey });
    return { attachment: bytes, name: 'preview.jpg' };
  }

  function webhook(r: DiscordReplyTo): InteractionWebhook {
    return new InteractionWebhook(client as Client<true>, r.applicationId, r.interactionToken!);
  }

  /**
   * A channel by id, also in a guild this process has no gateway session for: the job's editor
   * (src/jobs/delivery/editor-role.ts) may run other shards than the one that took the command.
   */
  function fetchChannel(channelId: string) {
    return client.channels.fetch(channelId, { allowUnknownGuild: true });
  }

  async function sendableChannel(channelId: string) {
    const channel = await fetchChannel(channelId);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} is not one the bot can post in`);
    return channel;
  }

  async function editChannelMessage(r: DiscordReplyTo, payload: WebhookMessageEditOptions): Promise<void> {
    const channel = await sendableChannel(r.channelId);
    await channel.messages.edit(r.statusMessageId, payload);
  }

  /** A thread started from the status message; an existing one when a retried delivery made it already. */
  async function threadFor(r: DiscordReplyTo, name: string): Promise<ThreadChannel | undefined> {
    const channel = await fetchChannel(r.channelId);
    if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) return undefined;
    const existing = async () => {
      const thread = await fetchChannel(r.statusMessageId);
      return thread?.isThread() ? thread : undefined;
    };
    try {
      // discord.js hands back no thread object when the guild is not in this process's cache: fetch it.
      return (await channel.threads.create({ startMessage: r.statusMessageId, name, autoArchiveDuration: ThreadAutoArchiveDuration.OneDay })) ?? (await existing());
    } catch (err) {
      // 160004: a thread already exists for this message; it shares the message's id.
      if (err instanceof DiscordAPIError && err.code === 160004) {
        const found = await existing();
        if (found) return found;
      }
      throw err;
    }
  }

  async function resultFile(result: CompletedEvent['result'], limit: number): Promise<{ attachment: Buffer; name: string }> {
    // An animated photo's painting goes as its animation when it fits; else its first frame (below).
    if (result.animation) {
      const animation = await jobs.blobs.get(result.animation.key);
      if (animation && animation.length <= limit) return { attachment: animation, name: `easel.${result.animation.format}` };
      log.warn({ resultKey: result.resultKey, bytes: animation?.length, limit }, 'discord: animation missing or over the attachment limit; sending its first frame');
    }
    const resultKey = result.resultKey;
    const png = await jobs.blobs.get(resultKey);
    if (!png) throw new Error(`result blob ${resultKey} is missing`);
    if (png.length <= limit) return { attachment: png, name: 'easel.png' };
    // Too big for this channel as PNG: a JPEG under the limit (quality, then size, stepped down).
    const image = await decodeImage(png, { maxBytes: png.length, maxPixels: config.limits.maxInputPixels });
    return { attachment: await encodeImage(image, { format: 'jpeg', maxBytes: limit }), name: 'easel.jpg' };
  }

  async function deliverResult(event: CompletedEvent, r: DiscordReplyTo, caption: string): Promise<void> {
    const { request, result } = event;
    lastPreview.delete(event.jobId);
    const file = await resultFile(result, attachmentLimit(r));
    const recipeKey = await saveRecipe(jobs.blobs, recipeOf(request)).catch((err) => {
      log.warn({ jobId: event.jobId, err: describeError(err) }, 'discord: could not store the recipe; result goes without follow-up buttons');
      return undefined;
    });
    const canGoHigher = higherQuality(request.options, renderDefaults(config.render)) !== undefined;
    const variations = offeredVariations(request.options, effectiveStrength(request, deps.presets));
    const components: Row[] = resultRow({ recipeKey, canGoHigher, variations, options: request.options, jobId: event.jobId });
    // Easel's record of the message the result (and its Delete button) sits in, and whose it is.
    const remember = (messageId: string) => jobs.recordResult('discord', messageId, { jobId: event.jobId, owner: requesterOf(request) });
    // A new message: the nonce makes a retried post return the first one instead of a second.
    const forUser = (text: string): MessageCreateOptions => ({
      content: `${mention(r.userId)} ${text}`,
      files: [file],
      components,
      allowedMentions: { users: [r.userId] },
      nonce: nonceFor(event.jobId),
      enforceNonce: true,
    });

    if (r.kind === 'message') {
      await remember(r.statusMessageId);
      await editChannelMessage(r, { content: `✅ ${caption}`, files: [file], attachments: [], components });
      return;
    }
    const usable = tokenUsable(r, now());
    if (r.useThread) {
      const thread = await threadFor(r, truncate(`🎨 ${result.styleLabel}`, 100)).then(async (t) => {
        const posted = await t?.send(forUser(caption));
        if (posted) await remember(posted.id);
        return t;
      }, refusedOnly(event.jobId, 'could not post in a thread; result goes into the reply'));
      if (thread) {
        if (usable) {
          await webhook(r)
            .editMessage('@original', { content: `✅ ${WORDING.doneInThread(caption)}`, components: [], attachments: [] })
            .catch((err) => log.debug({ jobId: event.jobId, err: describeError(err) }, 'discord: could not tidy the reply'));
        }
        return;
      }
    }
    if (usable) {
      try {
        await remember(r.statusMessageId);
        await webhook(r).editMessage('@original', { content: `✅ ${caption}`, files: [file], attachments: [], components });
        return;
      } catch (err) {
        if (!tokenGone(err)) throw err;
        log.info({ jobId: event.jobId }, 'discord: interaction token no longer valid; posting the result with the bot token');
      }
    }
    const channel = await sendableChannel(r.channelId);
    const posted = await channel.send({ ...forUser(caption), reply: { messageReference: r.statusMessageId, failIfNotExists: false } });
    await remember(posted.id);
  }

  /**
   * Where a thread post failed: fall back to the reply only when Discord refused it for good (no
   * permission, the message gone). A timeout or a 5xx may still have created the message, so those
   * are retried later (the nonce catches a late success) rather than shown a second time in the reply.
   */
  function refusedOnly(jobId: string, what: string) {
    return (err: unknown): undefined => {
      if (!(err instanceof DiscordAPIError) || err.status >= 500 || err.status === 429) throw err;
      log.warn({ jobId, err: describeError(err) }, `discord: ${what}`);
      return undefined;
    };
  }

  async function deliverFailure(view: StatusView, r: DiscordReplyTo, jobId: string): Promise<void> {
    lastPreview.delete(jobId);
    if (r.kind === 'message') {
      await editChannelMessage(r, { content: view.text, components: [], attachments: [] });
      return;
    }
    if (tokenUsable(r, now())) {
      try {
        // Errors are for the asker only: the public progress message goes, an ephemeral note comes.
        await webhook(r)
          .deleteMessage('@original')
          .catch((err) => {
            // Already gone (deleted by a moderator, or by an earlier try of this delivery): fine.
            if (!(err instanceof DiscordAPIError && err.code === 10008)) throw err;
          });
        await webhook(r).send({ content: view.text, flags: MessageFlags.Ephemeral });
        return;
      } catch (err) {
        if (!tokenGone(err)) throw err;
      }
    }
    const channel = await sendableChannel(r.channelId);
    await channel.send({
      content: `${mention(r.userId)} ${view.text}`,
      allowedMentions: { users: [r.userId] },
      reply: { messageReference: r.statusMessageId, failIfNotExists: false },
      nonce: nonceFor(`${jobId}:failure`),
      enforceNonce: true,
    });
  }

  return {
    parseTarget: parseReplyTo,
    // Past the token's life an interaction's reply cannot be edited; only the result is posted.
    canEditStatus: (r) => r.kind === 'message' || tokenUsable(r, now()),
    editStatus: (r, view, jobId) => sendStatus(r, jobId, view),
    postResult: (r, event, caption) => deliverResult(event, r, caption),
    postFailure: (r, view, jobId) => deliverFailure(view, r, jobId),
    // discord.js waits out 429s itself (per route bucket); nothing reaches the throttle.
    retryAfterMs: () => undefined,
  };
}

/** The interaction token is gone (expired, or the reply deleted): fall back to the bot token. */
export function tokenGone(err: unknown): boolean {
  if (!(err instanceof DiscordAPIError)) return false;
  // 50027 Invalid Webhook Token, 10015 Unknown Webhook, 10008 Unknown Message, 10062 Unknown Interaction
  return err.status === 401 || [50027, 10015, 10008, 10062].includes(Number(err.code));
}
