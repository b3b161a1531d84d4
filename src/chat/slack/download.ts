/**
 * Downloading a user's file from Slack: `url_private` exactly as Slack gave it, with the bot token
 * as a header, through the shared capped download (byte cap + timeout, ../common/download.ts).
 * Errors become the shared friendly texts.
 */
import { downloadWithCap, DownloadError as CappedDownloadError } from '../common/download.ts';
import { ERROR_TEXT } from '../common/text.ts';

export class SlackDownloadError extends Error {
  constructor(
    public readonly reason: CappedDownloadError['code'] | 'sign-in-page',
    public readonly userMessage: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'SlackDownloadError';
  }
}

export interface DownloadOptions {
  botToken: string;
  maxBytes: number;
  timeoutMs: number;
}

const toMb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

export async function downloadSlackFile(url: string, opts: DownloadOptions): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await downloadWithCap(url, { maxBytes: opts.maxBytes, timeoutMs: opts.timeoutMs, headers: { authorization: `Bearer ${opts.botToken}` } });
  } catch (err) {
    if (!(err instanceof CappedDownloadError)) throw err;
    throw new SlackDownloadError(err.code, err.code === 'too-big' ? ERROR_TEXT.tooBig(toMb(opts.maxBytes)) : ERROR_TEXT.downloadFailed, err.message);
  }
  // Without a valid token (or the files:read scope) Slack answers with its sign-in page, status 200.
  if (/^\s*<(!doctype html|html)/i.test(bytes.subarray(0, 64).toString('latin1'))) {
    throw new SlackDownloadError('sign-in-page', ERROR_TEXT.downloadFailed, 'Slack answered with a sign-in page instead of the file (token or files:read scope?)');
  }
  return bytes;
}
