/**
 * Photos in: which of a message's attachments is the photo, and an attachment as the intake's
 * remote image. Everything else (metadata checks, trusted hosts, download, header probe, blob)
 * is the intake's (../common/intake).
 */
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
