/**
 * Fetching a user's file from its platform, and from nowhere else.
 *
 * Every URL — the first and each redirect hop, followed by hand — passes `checkSource` (sources.ts)
 * before a connection is opened. For the platforms' own hosts the name is resolved by us and every
 * address it resolves to must be global unicast (addresses.ts: ipaddr.js's IANA special-purpose
 * ranges, an allow-list, IPv4-embedding IPv6 forms unwrapped first); the connection then goes to the address that was checked, so a DNS
 * answer cannot change between the check and the connect. A declared Content-Length over the cap
 * is refused before the body is read, the body is counted as it arrives, and the whole fetch has a
 * deadline. Headers (the Slack token) are only ever sent to URLs that passed the check.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { classifyAddress } from './addresses.ts';
import { checkSource, type SourcePolicy } from './sources.ts';

export { classifyAddress, isForbiddenAddress } from './addresses.ts';

export type FetchErrorCode = 'untrusted' | 'forbidden-address' | 'too-many-redirects' | 'too-big' | 'timeout' | 'http' | 'network';

export class FetchError extends Error {
  constructor(
    public readonly code: FetchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Sent to trusted URLs only (each hop is checked before anything is sent). */
  headers?: Record<string, string>;
  /** Redirect hops followed at most (each re-checked). */
  maxRedirects?: number;
}

/** A `lookup` for net.connect that refuses a name when any of its addresses is forbidden. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { all: true, family: options.family }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const bad = addresses.map((a) => classifyAddress(a.address)).find((v) => !v.global);
    if (bad || addresses.length === 0) {
      const why = bad && !bad.global ? bad.reason : 'no addresses';
      const refusal = Object.assign(new Error(`${hostname} resolves to a non-public address (${why})`), { code: 'EASEL_FORBIDDEN_ADDRESS' });
      return callback(refusal, '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** GET a file from a trusted source into memory. Throws only `FetchError`; never logs the URL's query. */
export async function fetchTrusted(raw: string, policy: SourcePolicy, opts: FetchOptions): Promise<Buffer> {
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const maxRedirects = opts.maxRedirects ?? 3;
  let current = raw;
  for (let hop = 0; ; hop++) {
    const verdict = checkSource(current, policy);
    if (!verdict.ok) throw new FetchError('untrusted', `${hop ? 'redirect to' : 'file at'} ${describeUrl(current)} refused (${verdict.reason})`);
    const res = await request(verdict.url, verdict.publicOnly, opts.headers, deadline);
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      res.destroy();
      const location = res.headers.location;
      if (!location) throw new FetchError('http', `HTTP ${status} without a Location`);
      if (hop >= maxRedirects) throw new FetchError('too-many-redirects', `more than ${maxRedirects} redirects`);
      current = new URL(location, verdict.url).toString();
      continue;
    }
    if (status < 200 || status >= 300) {
      res.destroy();
      throw new FetchError('http', `download answered HTTP ${status}`);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      res.destroy();
      throw new FetchError('too-big', `download declares ${declared} bytes, over the ${opts.maxBytes}-byte cap`);
    }
    return readCapped(res, opts.maxBytes, deadline);
  }
}

function request(url: URL, publicOnly: boolean, headers: Record<string, string> | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers, signal, lookup: publicOnly ? publicOnlyLookup : undefined, agent: false }, resolve);
    req.on('error', (err) => reject(failure(err, signal)));
  });
}

async function readCapped(res: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const onAbort = () => res.destroy(new FetchError('timeout', 'download timed out'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        res.destroy();
        throw new FetchError('too-big', `download exceeded the ${maxBytes}-byte cap`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw failure(err, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks, total);
}

function failure(err: unknown, signal: AbortSignal): FetchError {
  if (err instanceof FetchError) return err;
  if (signal.aborted) return new FetchError('timeout', 'download timed out');
  if ((err as { code?: string }).code === 'EASEL_FORBIDDEN_ADDRESS') return new FetchError('forbidden-address', (err as Error).message);
  return new FetchError('network', `download failed: ${err instanceof Error ? err.message : String(err)}`);
}

/** Scheme, host and path only: signed query strings stay out of logs. */
export function describeUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}
