/**
 * Downloading a user's file from Slack: `url_private` exactly as Slack gave it, with the bot token,
 * a byte cap (checked against Content-Length and again while streaming) and a timeout.
 */
import { ERROR_TEXT } from '../common/text.ts';

export class DownloadError extends Error {
  constructor(
    public readonly reason: 'too-big' | 'http' | 'timeout' | 'network' | 'not-slack-file',
    public readonly userMessage: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  botToken: string;
  maxBytes: number;
  timeoutMs: number;
  fetchFn?: typeof fetch;
}

const toMb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

export async function downloadSlackFile(url: string, opts: DownloadOptions): Promise<Buffer> {
  const fetchFn = opts.fetchFn ?? fetch;
  const tooBig = (detail: string) => new DownloadError('too-big', ERROR_TEXT.tooBig(toMb(opts.maxBytes)), detail);
  let res: Response;
  try {
    // fetch drops the Authorization header itself if Slack redirects to another origin.
    res = await fetchFn(url, { headers: { authorization: `Bearer ${opts.botToken}` }, signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new DownloadError(timedOut ? 'timeout' : 'network', ERROR_TEXT.downloadFailed, `${timedOut ? 'timed out' : 'failed'}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new DownloadError('http', ERROR_TEXT.downloadFailed, `HTTP ${res.status}`);
  }
  // Slack answers a request without a valid token with its HTML login page, status 200.
  if ((res.headers.get('content-type') ?? '').startsWith('text/html')) {
    await res.body.cancel();
    throw new DownloadError('not-slack-file', ERROR_TEXT.downloadFailed, 'got an HTML page instead of the file (missing files:read scope?)');
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body.cancel();
    throw tooBig(`content-length ${declared} > ${opts.maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      if (total > opts.maxBytes) throw tooBig(`more than ${opts.maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new DownloadError(timedOut ? 'timeout' : 'network', ERROR_TEXT.downloadFailed, (err as Error).message);
  }
  return Buffer.concat(chunks, total);
}
