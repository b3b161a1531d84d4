/**
 * Download a user's attachment: the URL exactly as the platform gave it (never rewritten), with a
 * byte cap and a timeout, so a huge or stalled file cannot tie up the adapter or its memory.
 * Platform-neutral: Slack passes its bot token as a header, Discord's CDN URLs need none.
 */

export type DownloadErrorCode = 'too-big' | 'timeout' | 'http' | 'network';

export class DownloadError extends Error {
  constructor(
    public readonly code: DownloadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  maxBytes: number;
  timeoutMs: number;
  headers?: Record<string, string>;
}

/** GET `url` into memory. Throws `DownloadError` (never logs the URL's query, which may be signed). */
export async function downloadWithCap(url: string, opts: DownloadOptions): Promise<Buffer> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { headers: opts.headers, signal, redirect: 'follow' });
  } catch (err) {
    throw fetchFailure(err, signal);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new DownloadError('http', `download answered HTTP ${res.status}`);
  }
  // Refuse early when the server says it is too big; still count bytes, since the header may lie.
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new DownloadError('too-big', `download declares ${declared} bytes, over the ${opts.maxBytes}-byte cap`);
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > opts.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new DownloadError('too-big', `download exceeded the ${opts.maxBytes}-byte cap`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    throw fetchFailure(err, signal);
  }
  return Buffer.concat(chunks, total);
}

function fetchFailure(err: unknown, signal: AbortSignal): DownloadError {
  if (signal.aborted) return new DownloadError('timeout', 'download timed out');
  const msg = err instanceof Error ? err.message : String(err);
  return new DownloadError('network', `download failed: ${msg}`);
}
