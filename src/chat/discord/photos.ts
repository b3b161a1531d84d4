/**
 * Photos in: check an attachment's metadata before deferring (cheap, within Discord's 3 s), then
 * download it exactly as the URL was given (size cap, timeout), decode it with the image module's
 * limits, and store the original bytes as a blob for the worker.
 */
import type { Config } from '../../config.ts';
import type { BlobStore } from '../../jobs/types.ts';
import { decodeImage, ImageError } from '../../images/index.ts';
import type { BlobRef } from '../../requests/style-request.ts';
import { downloadWithCap, DownloadError } from '../common/download.ts';
import { ERROR_TEXT } from '../common/text.ts';

/** What Discord tells us about an attachment (discord.js `Attachment` fits). */
export interface AttachmentMeta {
  url: string;
  name: string;
  size: number;
  contentType: string | null;
}

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|gif|avif|tiff?|heic|heif)$/i;

/** A user-facing error when the metadata already rules the file out, else undefined. */
export function checkAttachment(att: AttachmentMeta | null | undefined, limits: Config['limits']): string | undefined {
  if (!att) return ERROR_TEXT.noPhoto;
  const looksLikeImage = att.contentType ? att.contentType.startsWith('image/') : IMAGE_EXTENSIONS.test(att.name);
  if (!looksLikeImage) return ERROR_TEXT.notAnImage;
  if (att.size > limits.maxUploadBytes) return ERROR_TEXT.tooBig(Math.floor(limits.maxUploadBytes / (1024 * 1024)));
  return undefined;
}

/** The first attachment of a message that looks like an image. */
export function firstImage<T extends AttachmentMeta>(attachments: Iterable<T>): T | undefined {
  for (const a of attachments) if (a.contentType ? a.contentType.startsWith('image/') : IMAGE_EXTENSIONS.test(a.name)) return a;
  return undefined;
}

/** A refusal shown to the user as-is. */
export class PhotoError extends Error {
  constructor(public readonly userMessage: string, detail: string) {
    super(detail);
    this.name = 'PhotoError';
  }
}

/** Download, validate and store a photo; throws PhotoError with friendly wording. */
export async function ingestPhoto(att: AttachmentMeta, blobs: BlobStore, limits: Config['limits']): Promise<BlobRef> {
  let bytes: Buffer;
  try {
    bytes = await downloadWithCap(att.url, { maxBytes: limits.maxUploadBytes, timeoutMs: limits.downloadTimeoutMs });
  } catch (err) {
    if (err instanceof DownloadError && err.code === 'too-big') throw new PhotoError(ERROR_TEXT.tooBig(Math.floor(limits.maxUploadBytes / (1024 * 1024))), err.message);
    throw new PhotoError(ERROR_TEXT.downloadFailed, err instanceof Error ? err.message : String(err));
  }
  let width: number;
  let height: number;
  try {
    ({ width, height } = await decodeImage(bytes, { maxBytes: limits.maxUploadBytes, maxPixels: limits.maxInputPixels }));
  } catch (err) {
    if (err instanceof ImageError) throw new PhotoError(err.code === 'unsupported-format' || err.code === 'corrupt' || err.code === 'empty' ? ERROR_TEXT.notAnImage : err.userMessage, err.message);
    throw err;
  }
  const key = await blobs.put(bytes);
  return { key, width, height };
}
