/**
 * One file over HTTP(S), into memory (the largest asset is ~1.2 MB), with retries and
 * exponential backoff for what may pass (network errors, timeouts, 408/429/5xx; Retry-After is
 * honoured), none for what will not (404 and other 4xx). A host that fails at the network level
 * on every try of one file is marked down, so an offline machine gives up after one file's
 * retries instead of every file's.
 */

export interface RetryPolicy {
  /** Tries per file and URL, the first included. */
  attempts: number;
  /** First delay; doubled after each failure, with ±25% jitter, capped by maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** One try's time limit (connection and body). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000, timeoutMs: 60_000 };

export class DownloadError extends Error {
  constructor(
    message: string,
    /** 'network': the host could not be reached (DNS, connection, timeout); 'http': it answered with an error status. */
    public readonly kind: 'network' | 'http' | 'host-down',
    public readonly status?: number,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadHooks {
  /** Bytes received (for the progress bar); negative to take back a failed try's bytes. */
  onBytes?: (n: number) => void;
  onRetry?: (attempt: number, error: DownloadError, delayMs: number) => void;
}

/** Hosts that failed at the network level on every try of a file (one per installer run). */
export class HostHealth {
  private readonly down = new Map<string, string>();
  isDown(url: string): string | undefined {
    return this.down.get(new URL(url).host);
  }
  markDown(url: string, why: string): void {
    this.down.set(new URL(url).host, why);
  }
  downHosts(): Array<[string, string]> {
    return [...this.down];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describeNetworkError(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  const cause = err.cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  return cause?.message ?? err.message ?? String(e);
}

async function tryOnce(url: string, policy: RetryPolicy, hooks: DownloadHooks): Promise<Buffer> {
  let received = 0;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(policy.timeoutMs), redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      const retryAfter = Number(res.headers.get('retry-after'));
      const err = new DownloadError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, 'http', res.status);
      (err as DownloadError & { retryAfterMs?: number }).retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
      throw err;
    }
    const chunks: Buffer[] = [];
    if (res.body) {
      for await (const chunk of res.body) {
        const b = Buffer.from(chunk as Uint8Array);
        chunks.push(b);
        received += b.length;
        hooks.onBytes?.(b.length);
      }
    }
    return Buffer.concat(chunks);
  } catch (e) {
    if (received) hooks.onBytes?.(-received);
    if (e instanceof DownloadError) throw e;
    throw new DownloadError(describeNetworkError(e), 'network');
  }
}

function retryable(e: DownloadError): boolean {
  if (e.kind === 'network') return true;
  return e.status === 408 || e.status === 425 || e.status === 429 || (e.status !== undefined && e.status >= 500);
}

/** GET `url` into memory, retrying what may pass. Throws DownloadError after the last try. */
export async function download(url: string, opts: { policy?: RetryPolicy; hosts?: HostHealth } & DownloadHooks = {}): Promise<Buffer> {
  const policy = opts.policy ?? DEFAULT_RETRY;
  const down = opts.hosts?.isDown(url);
  if (down) throw new DownloadError(`${new URL(url).host} unreachable (${down})`, 'host-down');
  let networkOnly = true;
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryOnce(url, policy, opts);
    } catch (e) {
      const err = e as DownloadError;
      if (err.kind !== 'network') networkOnly = false;
      if (!retryable(err) || attempt >= policy.attempts) {
        if (networkOnly && err.kind === 'network') opts.hosts?.markDown(url, err.message);
        throw err;
      }
      // A host marked down by a parallel download meanwhile: stop here too.
      const nowDown = opts.hosts?.isDown(url);
      if (nowDown) throw new DownloadError(`${new URL(url).host} unreachable (${nowDown})`, 'host-down');
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      const delay = Math.min(policy.maxDelayMs, Math.max(backoff, (err as DownloadError & { retryAfterMs?: number }).retryAfterMs ?? 0));
      opts.onRetry?.(attempt, err, delay);
      await sleep(delay);
    }
  }
}
