/**
 * Slack file objects → the photos we can use. Only metadata is checked here (cheap, before the
 * 3-second ack of a modal); the bytes are checked for real by the intake after the download.
 */
import { z } from 'zod';
import { WORDING } from '../../requests/wording.ts';
import { remoteProblem, type RemoteImage } from '../common/intake/index.ts';

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

/** The problem with a file as a user-facing text, or undefined when it may be fetched (the intake's check). */
export function fileProblem(f: SlackFile, maxBytes: number): string | undefined {
  if (!downloadUrl(f)) return WORDING.downloadFailed;
  return remoteProblem(remoteImage(f), { maxUploadBytes: maxBytes });
}

/** A Slack file as the intake's remote image (url_private, exactly as Slack gave it). */
export function remoteImage(f: SlackFile): RemoteImage {
  return { kind: 'remote', url: downloadUrl(f) ?? '', name: f.name ?? (f.filetype ? `file.${f.filetype}` : undefined), declaredBytes: f.size, contentType: f.mimetype };
}

/** The download URL exactly as Slack gave it. */
export function downloadUrl(f: SlackFile): string | undefined {
  return f.url_private ?? f.url_private_download ?? undefined;
}
