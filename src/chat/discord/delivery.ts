/**
 * Delivery: renders job events in Discord. Every event carries the request and its `replyTo`, so
 * this works in any bot process and after restarts.
 *
 *   queued / active / progress → edit the status message (throttled + coalesced per job, with a
 *                                Cancel button and, every so often, a preview image)
 *   completed → the result as an attachment (fitted under the attachment limit), caption and
 *               "Another style" / "Higher quality" buttons — in a thread started from the reply
 *               when allowed, else in the reply; after the token expired, posted with the bot
 *               token in the channel, mentioning the user
 *   failed    → the friendly reason, ephemeral while the token lives
 *   cancelled → "Cancelled."
 */
import { ChannelType, DiscordAPIError, MessageFlags, ThreadAutoArchiveDuration, type Client, type MessageCreateOptions, type ThreadChannel, type WebhookMessageEditOptions, InteractionWebhook } from 'discord.js';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { JobEvent, JobsClient } from '../../jobs/types.ts';
import { decodeImage, encodeImage } from '../../images/index.ts';
import { createEditThrottle } from '../common/edit-throttle.ts';
import { captionText, ERROR_TEXT, progressText, queuedText } from '../common/text.ts';
import { higherQuality, recipeOf, saveRecipe } from './recipe.ts';
import { attachmentLimit, parseReplyTo, tokenUsable, type DiscordReplyTo } from './reply-to.ts';
import { cancelRow, mention, resultRow, truncate, type Row } from './ui.ts';

/** Discord tolerates about five edits per five seconds per message; one per two seconds leaves room. */
export const EDIT_INTERVAL_MS = 2_000;
/** Upload a fresh preview at most this often: an attachment edit is heavier than a text edit. */
export const PREVIEW_INTERVAL_MS = 8_000;

interface StatusState {
  replyTo: DiscordReplyTo;
  jobId: string;
  text: string;
  previewKey?: string;
}

export interface DeliveryDeps {
  client: Client;
  jobs: JobsClient;
  config: Config;
  log: Logger;
  now?: () => number;
}

export interface Delivery {
  /** Show a job's state on its status message (throttled); e.g. the queue position right after submit. */
  showStatus(jobId: string, replyTo: DiscordReplyTo, text: string): void;
  /** The JobEventHandler given to `jobs.subscribe('discord', …)`. */
  handle(event: JobEvent): Promise<void>;
  close(): Promise<void>;
}

export function createDelivery(deps: DeliveryDeps): Delivery {
  const { client, jobs, config, log } = deps;
  const now = deps.now ?? Date.now;
  const lastPreview = new Map<string, { at: number; key: string }>();

  const throttle = createEditThrottle<StatusState>({
    minIntervalMs: EDIT_INTERVAL_MS,
    same: (a, b) => a.text === b.text && a.previewKey === b.previewKey,
    send: (_jobId, state) => sendStatus(state),
    onError: (jobId, err) => log.warn({ jobId, err: describe(err) }, 'discord: status edit failed'),
  });

  async function sendStatus(s: StatusState): Promise<void> {
    const payload: WebhookMessageEditOptions = { content: s.text, components: cancelRow(s.jobId, s.replyTo.userId) };
    const preview = await previewFile(s);
    if (preview) {
      payload.files = [preview];
      payload.attachments = [];
    }
    if (s.replyTo.kind === 'message') {
      await editChannelMessage(s.replyTo, payload);
    } else if (tokenUsable(s.replyTo, now())) {
      await webhook(s.replyTo).editMessage('@original', payload);
    }
  }

  async function previewFile(s: StatusState): Promise<{ attachment: Buffer; name: string } | undefined> {
    if (!s.previewKey) return undefined;
    const last = lastPreview.get(s.jobId);
    if (last && (last.key === s.previewKey || now() - last.at < PREVIEW_INTERVAL_MS)) return undefined;
    const bytes = await jobs.blobs.get(s.previewKey);
    if (!bytes) return undefined;
    lastPreview.set(s.jobId, { at: now(), key: s.previewKey });
    return { attachment: bytes, name: 'preview.jpg' };
  }

  function webhook(r: DiscordReplyTo): InteractionWebhook {
    return new InteractionWebhook(client as Client<true>, r.applicationId, r.interactionToken!);
  }

  async function sendableChannel(channelId: string) {
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} is not one the bot can post in`);
    return channel;
  }

  async function editChannelMessage(r: DiscordReplyTo, payload: WebhookMessageEditOptions): Promise<void> {
    const channel = await sendableChannel(r.channelId);
    await channel.messages.edit(r.statusMessageId, payload);
  }

  /** A thread started from the status message; an existing one when a retried delivery made it already. */
  async function threadFor(r: DiscordReplyTo, name: string): Promise<ThreadChannel | undefined> {
    const channel = await client.channels.fetch(r.channelId);
    if (!channel || (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement)) return undefined;
    try {
      return await channel.threads.create({ startMessage: r.statusMessageId, name, autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
    } catch (err) {
      // 160004: a thread already exists for this message; it shares the message's id.
      if (err instanceof DiscordAPIError && err.code === 160004) {
        const existing = await client.channels.fetch(r.statusMessageId);
        if (existing?.isThread()) return existing;
      }
      throw err;
    }
  }

  async function resultFile(resultKey: string, limit: number): Promise<{ attachment: Buffer; name: string }> {
    const png = await jobs.blobs.get(resultKey);
    if (!png) throw new Error(`result blob ${resultKey} is missing`);
    if (png.length <= limit) return { attachment: png, name: 'easel.png' };
    // Too big for this channel as PNG: a JPEG under the limit (quality, then size, stepped down).
    const image = await decodeImage(png, { maxBytes: png.length, maxPixels: config.limits.maxInputPixels });
    return { attachment: await encodeImage(image, { format: 'jpeg', maxBytes: limit }), name: 'easel.jpg' };
  }

  async function deliverResult(event: Extract<JobEvent, { type: 'completed' }>, r: DiscordReplyTo): Promise<void> {
    const { request, result } = event;
    const file = await resultFile(result.resultKey, attachmentLimit(r));
    const recipeKey = await saveRecipe(jobs.blobs, recipeOf(request)).catch((err) => {
      log.warn({ jobId: event.jobId, err: describe(err) }, 'discord: could not store the recipe; result goes without follow-up buttons');
      return undefined;
    });
    const canGoHigher = higherQuality(request.options, { quality: config.render.defaultQuality, size: config.render.defaultSize, maxSize: config.render.maxSize }) !== undefined;
    const caption = captionText(result, { strength: request.options.strength });
    const components: Row[] = resultRow(recipeKey, canGoHigher);
    const forUser = (text: string): MessageCreateOptions => ({ content: `${mention(r.userId)} ${text}`, files: [file], components, allowedMentions: { users: [r.userId] } });

    if (r.kind === 'message') {
      await editChannelMessage(r, { content: `✅ ${caption}`, files: [file], attachments: [], components });
      return;
    }
    const usable = tokenUsable(r, now());
    if (r.useThread) {
      // Any failure here (no permission in the end, the reply deleted) leaves the reply as the fallback.
      const thread = await threadFor(r, truncate(`🎨 ${result.styleLabel}`, 100))
        .then(async (t) => {
          await t?.send(forUser(caption));
          return t;
        })
        .catch((err) => {
          log.warn({ jobId: event.jobId, err: describe(err) }, 'discord: could not post in a thread; result goes into the reply');
          return undefined;
        });
      if (thread) {
        if (usable) {
          await webhook(r)
            .editMessage('@original', { content: `✅ Done — ${caption}. Your painting is in the thread.`, components: [], attachments: [] })
            .catch((err) => log.debug({ jobId: event.jobId, err: describe(err) }, 'discord: could not tidy the reply'));
        }
        return;
      }
    }
    if (usable) {
      try {
        await webhook(r).editMessage('@original', { content: `✅ ${caption}`, files: [file], attachments: [], components });
        return;
      } catch (err) {
        if (!tokenGone(err)) throw err;
        log.info({ jobId: event.jobId }, 'discord: interaction token no longer valid; posting the result with the bot token');
      }
    }
    const channel = await sendableChannel(r.channelId);
    await channel.send({ ...forUser(caption), reply: { messageReference: r.statusMessageId, failIfNotExists: false } });
  }

  async function deliverFailure(event: Extract<JobEvent, { type: 'failed' }>, r: DiscordReplyTo): Promise<void> {
    const text = `⚠️ ${event.userMessage || ERROR_TEXT.renderFailed}`;
    if (r.kind === 'message') {
      await editChannelMessage(r, { content: text, components: [], attachments: [] });
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
        await webhook(r).send({ content: text, flags: MessageFlags.Ephemeral });
        return;
      } catch (err) {
        if (!tokenGone(err)) throw err;
      }
    }
    const channel = await sendableChannel(r.channelId);
    await channel.send({ content: `${mention(r.userId)} ${text}`, allowedMentions: { users: [r.userId] }, reply: { messageReference: r.statusMessageId, failIfNotExists: false } });
  }

  async function deliverCancelled(r: DiscordReplyTo): Promise<void> {
    const payload = { content: `✖️ ${ERROR_TEXT.cancelled}`, components: [], attachments: [] };
    if (r.kind === 'message') await editChannelMessage(r, payload);
    else if (tokenUsable(r, now())) await webhook(r).editMessage('@original', payload);
  }

  return {
    showStatus(jobId, replyTo, text) {
      throttle.update(jobId, { replyTo, jobId, text });
    },

    async handle(event) {
      const r = parseReplyTo(event.request.replyTo);
      if (!r) {
        log.warn({ jobId: event.jobId, type: event.type }, 'discord: job event without Discord routing data; ignored');
        return;
      }
      const status = (text: string, previewKey?: string) => {
        // Past the token's life an interaction's reply cannot be edited; only the result is posted.
        if (r.kind === 'interaction' && !tokenUsable(r, now())) return;
        throttle.update(event.jobId, { replyTo: r, jobId: event.jobId, text, previewKey });
      };
      const finish = async (what: string, final: () => Promise<void>) => {
        lastPreview.delete(event.jobId);
        await throttle.finish(event.jobId, async () => {
          try {
            await final();
          } catch (err) {
            log.error({ jobId: event.jobId, err: describe(err) }, `discord: could not deliver the ${what}`);
            throw err;
          }
        });
      };
      switch (event.type) {
        case 'queued':
          return status(queuedText(event.position, event.etaMs, event.workersOnline));
        case 'active':
          return status(progressText({ step: 0, total: 1, stage: 'starting', percent: 0 }));
        case 'progress':
          return status(progressText(event.progress), event.progress.previewKey);
        case 'completed':
          return finish('result', () => deliverResult(event, r));
        case 'failed':
          log.info({ jobId: event.jobId, reason: event.reason }, 'discord: job failed');
          return finish('failure notice', () => deliverFailure(event, r));
        case 'cancelled':
          return finish('cancellation', () => deliverCancelled(r));
      }
    },

    close: () => throttle.close(),
  };
}

/** The interaction token is gone (expired, or the reply deleted): fall back to the bot token. */
export function tokenGone(err: unknown): boolean {
  if (!(err instanceof DiscordAPIError)) return false;
  // 50027 Invalid Webhook Token, 10015 Unknown Webhook, 10008 Unknown Message, 10062 Unknown Interaction
  return err.status === 401 || [50027, 10015, 10008, 10062].includes(Number(err.code));
}

/** For logs: the error's name and message, never request bodies (they may hold tokens in URLs). */
export function describe(err: unknown): { name: string; message: string; code?: unknown; status?: number } {
  if (err instanceof DiscordAPIError) return { name: err.name, message: err.message, code: err.code, status: err.status };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'unknown', message: String(err) };
}
