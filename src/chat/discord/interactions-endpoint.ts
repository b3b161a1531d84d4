/**
 * Discord's Interactions Endpoint (EASEL_DISCORD_INTERACTIONS=http): Discord POSTs each interaction
 * here instead of sending it over the gateway. Every request is verified before anything is read
 * from it — Ed25519 over `timestamp + raw body` with the application's public key (Node's crypto),
 * and a timestamp no more than five minutes off (a replayed request is refused) — and answered:
 *
 *   bad or missing signature, stale timestamp → 401, nothing else happens
 *   PING (type 1)                             → PONG (type 1), as Discord checks when the URL is saved
 *   anything else                             → handed to `dispatch`, then 202 Accepted, empty
 *                                               (503 while the process shuts down)
 *
 * The answer itself goes through the interaction callback (POST /interactions/{id}/{token}/callback
 * on DISCORD_API_BASE), exactly as over the gateway, so the same handlers serve both transports;
 * Discord's documentation asks for a 202 with an empty body when the callback is used. Nothing is
 * kept between requests: any number of these can run behind a load balancer.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../log.ts';
import { describeError } from '../../util/describe-error.ts';

/** Discord's own figure for how old a signed request may be before it is treated as a replay. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;
/** Interactions are small JSON documents; anything larger is not Discord's. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The application's public key (64 hex characters: the raw 32 bytes) as a Node key object. */
export function publicKeyFromHex(hex: string): KeyObject {
  const raw = Buffer.from(hex, 'hex');
  if (raw.length !== 32) throw new Error('a Discord public key is 32 bytes (64 hex characters)');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

export type Verdict = 'ok' | 'missing' | 'bad-signature' | 'stale';

/** Check a request's signature headers against its raw body; `now` in ms since epoch. */
export function verifyInteraction(key: KeyObject, signature: string | undefined, timestamp: string | undefined, body: Buffer, now = Date.now()): Verdict {
  if (!signature || !timestamp) return 'missing';
  if (!/^[0-9a-f]{128}$/i.test(signature) || !/^\d{1,12}$/.test(timestamp)) return 'bad-signature';
  let valid: boolean;
  try {
    valid = verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), key, Buffer.from(signature, 'hex'));
  } catch {
    valid = false;
  }
  if (!valid) return 'bad-signature';
  // Checked after the signature, so that only Discord's own (signed) timestamps are judged stale.
  return Math.abs(now - Number(timestamp) * 1000) > MAX_SIGNATURE_AGE_MS ? 'stale' : 'ok';
}

export interface InteractionsEndpointOptions {
  port: number;
  /** Listen address; default all interfaces (Discord must reach it, usually through a proxy). */
  host?: string;
  path: string;
  publicKey: string;
  log: Logger;
  /** A verified interaction other than PING, handed to the router; false = not taking any now (shutting down). */
  dispatch(payload: Record<string, any>): boolean;
  now?: () => number;
}

export interface InteractionsEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

export async function startInteractionsEndpoint(opts: InteractionsEndpointOptions): Promise<InteractionsEndpoint> {
  const key = publicKeyFromHex(opts.publicKey);
  const now = opts.now ?? Date.now;
  const answer = (res: http.ServerResponse, status: number, json?: unknown) => {
    res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' });
    res.end(json === undefined ? undefined : JSON.stringify(json));
  };

  const server = http.createServer((req, res) => {
    const url = req.url?.split('?')[0];
    if (url !== opts.path) return answer(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooLarge) return answer(res, 413, { error: 'too large' });
      const body = Buffer.concat(chunks);
      const verdict = verifyInteraction(key, header(req, 'x-signature-ed25519'), header(req, 'x-signature-timestamp'), body, now());
      if (verdict !== 'ok') {
        // Discord itself sends a few unsigned probes when the URL is saved; 401 is what it expects.
        opts.log.warn({ verdict, remote: req.socket.remoteAddress }, 'discord: interaction refused (signature)');
        return answer(res, 401, { error: 'invalid request signature' });
      }
      let payload: Record<string, any>;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return answer(res, 400, { error: 'not JSON' });
      }
      if (payload?.type === 1) return answer(res, 200, { type: 1 });
      let taken: boolean;
      try {
        taken = opts.dispatch(payload);
      } catch (err) {
        opts.log.error({ interactionId: payload?.id, err: describeError(err) }, 'discord: could not dispatch an interaction from HTTP');
        return answer(res, 500, { error: 'internal error' });
      }
      answer(res, taken ? 202 : 503);
    });
  });
  // Discord keeps connections open between requests (idle ones are closed at shutdown); a client
  // that sends its request slowly is cut off long before Discord's own 3 s would matter.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ port, path: opts.path }, 'discord: interactions endpoint listening');
  return {
    port,
    async close() {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
