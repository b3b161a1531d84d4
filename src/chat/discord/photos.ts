/**
 * Photos in: which of a message's attachments is the photo, and an attachment as the intake's
 * remote image. Everything else (metadata checks, trusted hosts, download, header probe, blob)
 * is the intake's (../common/intake).
 */
import { Routes, type APIMessage, type Client } from 'discord.js';
import { looksLikeImage, type RemoteImage } from '../common/intake/index.ts';

/** What Discord tells us about an attachment (discord.js `Attachment` fits). */
export interface AttachmentMeta {
  url: string;
  name: string;
  size: number;
  contentType: string | null;
}

/** The first attachment of a message that looks like an image. */
export function firstImage<T extends AttachmentMeta>(attachments: Iterable<T>): T | undefined {
  for (const a of attachments) if (looksLikeImage(a)) return a;
  return undefined;
}

/** An attachment as the intake's remote image: its CDN URL exactly as Discord gave it. */
export function remoteImage(att: AttachmentMeta): RemoteImage {
  return { kind: 'remote', url: att.url, name: att.name, declaredBytes: att.size, contentType: att.contentType };
}

/**
 * An embed's image, only through Discord's own media proxy (`proxy_url`), never the URL a webhook or
 * bot wrote into the embed, which could point anywhere (the intake refuses every host but Discord's).
 */
export function embedImage(proxyUrl: string): AttachmentMeta {
  let name = 'image';
  try {
    name = new URL(proxyUrl).pathname.split('/').pop() || 'image';
  } catch {
    // keep the generic name
  }
  return { url: proxyUrl, name, size: 0, contentType: 'image/*' };
}

/** A message's first image as the API gives it (GET /channels/:id/messages): an attachment, else an embed's. */
export function imageOfApiMessage(message: Pick<APIMessage, 'attachments' | 'embeds'>): AttachmentMeta | undefined {
  const attached = firstImage((message.attachments ?? []).map((a) => ({ url: a.url, name: a.filename, size: a.size, contentType: a.content_type ?? null })));
  if (attached) return attached;
  for (const embed of message.embeds ?? []) {
    const url = embed.image?.proxy_url ?? embed.thumbnail?.proxy_url;
    if (url) return embedImage(url);
  }
  return undefined;
}

/** How far back `/stylize` without a photo looks (Discord's page size; one request). */
export const HISTORY_LIMIT = 50;

/**
 * The most recent image among a channel's last messages (what the bot may read: Discord leaves out
 * what it may not, and empties the content of messages it may not read), with who posted it.
 */
export async function latestChannelImage(client: Client, channelId: string): Promise<{ image: AttachmentMeta; authorId: string; messageId: string } | undefined> {
  const messages = (await client.rest.get(Routes.channelMessages(channelId), { query: new URLSearchParams({ limit: String(HISTORY_LIMIT) }) })) as APIMessage[];
  for (const message of messages) {
    const image = imageOfApiMessage(message);
    if (image) return { image, authorId: message.author.id, messageId: message.id };
  }
  return undefined;
}
