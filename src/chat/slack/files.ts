/**
 * Slack file objects → the photos we can use. Only metadata is checked here (cheap, before the
 * 3-second ack of a modal); the bytes are checked for real by decodeImage after the download.
 */
import { z } from 'zod';
import { ERROR_TEXT } from '../common/text.ts';

/** The fields of a Slack file object we use (events, file_input values). */
export const SlackFile = z.object({
  id: z.string(),
  name: z.string().nullish(),
  mimetype: z.string().nullish(),
  filetype: z.string().nullish(),
  size: z.number().nullish(),
  url_private: z.string().nullish(),
  url_private_download: z.string().nullish(),
});
export type SlackFile = z.infer<typeof SlackFile>;

const IMAGE_FILETYPES = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif', 'tif', 'tiff', 'heic']);
/** For the modal's file inputs (Slack checks the extension; we check the bytes later anyway). */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif', 'tif', 'tiff'];

/** Parse whatever Slack sent as a list of files; anything malformed is dropped. */
export function slackFiles(raw: unknown): SlackFile[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((f) => {
    const parsed = SlackFile.safeParse(f);
    return parsed.success ? [parsed.data] : [];
  });
}

export function looksLikeImage(f: SlackFile): boolean {
  if (f.mimetype) return f.mimetype.startsWith('image/');
  return IMAGE_FILETYPES.has((f.filetype ?? f.name?.split('.').pop() ?? '').toLowerCase());
}

/** The problem with a file as a user-facing text, or undefined when it may be downloaded. */
export function fileProblem(f: SlackFile, maxBytes: number): string | undefined {
  if (!looksLikeImage(f)) return ERROR_TEXT.notAnImage;
  if (typeof f.size === 'number' && f.size > maxBytes) return ERROR_TEXT.tooBig(Math.round((maxBytes / (1024 * 1024)) * 10) / 10);
  if (!f.url_private && !f.url_private_download) return ERROR_TEXT.downloadFailed;
  return undefined;
}

/** The download URL exactly as Slack gave it. */
export function downloadUrl(f: SlackFile): string {
  return (f.url_private ?? f.url_private_download) as string;
}
