/**
 * A fake Discord for end-to-end tests: REST v10 and the gateway WebSocket on 127.0.0.1, enough of
 * both for the real discord.js client to log in, receive interactions and messages, and answer them.
 *
 *   REST    http://127.0.0.1:<port>/api/v10/...   (DISCORD_API_BASE = http://127.0.0.1:<port>/api)
 *   gateway ws://127.0.0.1:<port>/gateway          (handed out by GET /gateway/bot, as Discord does)
 *   CDN     http://127.0.0.1:<port>/cdn/...          (attachment URLs the tests register)
 *
 * Every REST call is recorded (time, method, path, auth, JSON body, uploaded files) so tests assert
 * on what the bot actually sent. Messages are kept as Discord would keep them, so edits, threads,
 * replies and fetches behave consistently. Faults can be injected: a 429 on the next matching
 * call, an expired interaction token, a gateway that refuses the Message Content intent, 5xx
 * answers to uploads, uploads held for a while before they succeed.
 *
 * HTTP-interactions mode (`interactions: 'http'`): the fake holds an Ed25519 key pair, as an
 * application has, and POSTs each interaction to the bot's Interactions Endpoint
 * (`interactionsEndpoint`) signed over `timestamp + body` (X-Signature-Ed25519 /
 * X-Signature-Timestamp) instead of dispatching it on the gateway; `postInteraction` lets a test
 * forge or age the signature. `ackedAt` records when each interaction was first answered (its
 * callback, or an answer in the HTTP response).
 *
 * Message nonces behave as Discord documents for POST /channels/{id}/messages: with
 * `enforce_nonce`, a nonce the same author used within the last few minutes returns that message
 * instead of creating a new one.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { SnowflakeUtil } from 'discord.js';
import { PERMISSIONS_ALL, botUser, guildCreatePayload, messagePayload, type ApiMessage, type ApiUser, type ChannelSpec } from './payloads.ts';

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface RecordedRequest {
  at: number;
  method: string;
  /** Path after /api/v10, e.g. /webhooks/123/abc/messages/@original */
  path: string;
  query: URLSearchParams;
  auth?: string;
  body: any;
  files: RecordedFile[];
  status: number;
  /** Which client sent it, when it came through `apiBaseVia(marker)` (one marker per bot process). */
  via?: string;
}

export interface InteractionRecord {
  id: string;
  token: string;
  dispatchedAt: number;
  payload: any;
  /** Id of the interaction's original response message, once it exists. */
  originalId?: string;
  expired: boolean;
  /** When it was first acknowledged: its callback reached the fake, or the HTTP response carried an answer. */
  ackedAt?: number;
  /** HTTP-interactions mode: the endpoint's answer to the POST. */
  http?: Promise<EndpointAnswer>;
}

/** What the bot's Interactions Endpoint answered to one POST. */
export interface EndpointAnswer {
  status: number;
  body: any;
  /** From the POST leaving the fake to the answer arriving. */
  ms: number;
}

interface CdnEntry {
  bytes: Buffer;
  contentType: string;
  /** Never answer (for download timeouts). */
  hang?: boolean;
  /** Answer 302 to this location instead of the bytes (hostile redirects). */
  redirectTo?: string;
  /** Declare this Content-Length (a lie, for the byte cap) and send only the first bytes. */
  declaredLength?: number;
}

interface Injected429 {
  method: string;
  path: RegExp;
  retryAfterS: number;
  remaining: number;
  /** The per-token global limit (X-RateLimit-Global), not a route's bucket. */
  global: boolean;
}

/** How long Discord remembers an enforced nonce ("the past few minutes"). */
export const NONCE_WINDOW_MS = 5 * 60_000;

export interface FakeDiscordOptions {
  token?: string;
  /** When false, identifying with the Message Content intent closes the gateway with 4014. */
  allowMessageContent?: boolean;
  channels?: ChannelSpec[];
  /** The gateway URL GET /gateway/bot hands out (default: this fake's own). */
  advertisedGateway?: string;
  /**
   * More guilds (each with one text channel), their ids chosen so that guild i lands on shard
   * `i % shardCount` by Discord's formula `(guild_id >> 22) % shardCount`. The main guild
   * (`guildId`) always lands on shard 0, whatever the count.
   */
  guilds?: { count: number; shardCount: number };
  /** What GET /gateway/bot answers (recommended shards, session start limit). */
  gatewayBot?: { shards?: number; maxConcurrency?: number; remaining?: number; total?: number; resetAfterMs?: number };
  /** An identify bucket's window (Discord: 5 s); shorter so that tests run fast. */
  identifyWindowMs?: number;
  /** `http`: interactions are POSTed (signed) to `interactionsEndpoint`, never dispatched on the gateway. */
  interactions?: 'gateway' | 'http';
}

/** Discord's most guilds on one shard; an unsharded session above it is closed with 4011. */
export const MAX_GUILDS_PER_SHARD = 2500;

/** The shard a guild's events go to: `(guild_id >> 22) % shardCount` (DMs: shard 0). */
export function shardOf(guildId: string | undefined, shardCount: number): number {
  if (!guildId) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** 720720 = lcm(1..16): a snowflake time part divisible by it is on shard 0 for every count up to 16. */
const SHARD_ZERO_BASE = (BigInt(Date.now() - 1_420_070_400_000) / 720720n) * 720720n;
let guildSeq = 0n;
/** A guild id on `shard` of `shardCount` (the nth such id): time part = base + shard + n·count. */
export function guildIdOnShard(shard: number, shardCount: number, n: number): string {
  const time = SHARD_ZERO_BASE - BigInt(shardCount) * BigInt(n + 1) * 720720n + BigInt(shard);
  return ((time << 22n) | (guildSeq++ & 0x3fffffn)).toString();
}

export interface IdentifyRecord {
  intents: number;
  at: number;
  accepted: boolean;
  /** [shard id, shard count] as identified ([0, 1] when the client sent none). */
  shard: [number, number];
  /** 'ready', 'invalid-session' (op 9: the bucket's window was exceeded) or the close code. */
  outcome: 'ready' | 'invalid-session' | number;
}

interface Session {
  shard: [number, number];
  id: string;
}

export class FakeDiscord {
  readonly token: string;
  readonly applicationId = SnowflakeUtil.generate().toString();
  readonly guildId = guildIdOnShard(0, 1, 0);
  readonly bot: ApiUser;
  readonly requests: RecordedRequest[] = [];
  readonly interactions = new Map<string, InteractionRecord>();
  readonly messages = new Map<string, ApiMessage>();
  readonly channels = new Map<string, any>();
  readonly identifies: IdentifyRecord[] = [];
  /** Every guild (the main one first): id → its channel ids. */
  readonly guilds = new Map<string, string[]>();
  /** GET /gateway/bot's session start limit; `remaining` goes down with every accepted IDENTIFY. */
  readonly sessionStartLimit: { total: number; remaining: number; reset_after: number; max_concurrency: number };
  recommendedShards: number;
  identifyWindowMs: number;
  /** Op 9 INVALID_SESSION answers sent because a bucket's window was exceeded. */
  invalidSessions = 0;
  /** Accepted IDENTIFYs for a shard that already had a live session (two processes running one shard). */
  overlaps = 0;
  /** Sessions resumed (op 6 RESUME of a known session), by shard id. */
  readonly resumes: number[] = [];
  private knownSessions = new Map<string, [number, number]>();
  private bucketLast = new Map<number, number>();
  /** Registered application commands, by scope ('global' or a guild id). */
  readonly commands = new Map<string, any[]>();
  allowMessageContent: boolean;
  private advertisedGateway?: string;
  readonly interactionsMode: 'gateway' | 'http';
  /** The bot's Interactions Endpoint URL (HTTP mode), as the Developer Portal would hold it. */
  interactionsEndpoint?: string;
  /** The application's Ed25519 key pair (HTTP mode): the public half goes into DISCORD_PUBLIC_KEY. */
  private readonly signingKey?: KeyObject;
  readonly publicKeyHex: string = '';

  private server = http.createServer((req, res) => void this.handleHttp(req, res));
  private wss = new WebSocketServer({ server: this.server, path: '/gateway' });
  private sockets = new Set<WebSocket>();
  private ready = new Map<WebSocket, Session>();
  private seq = 0;
  private cdn = new Map<string, CdnEntry>();
  /** Paths of every CDN download the bot made (to prove a refused request fetched nothing). */
  readonly cdnRequests: string[] = [];
  private injected: Injected429[] = [];
  /** Answers for the next requests that carry files (uploads): a status, or a hold in ms before processing. */
  private uploadFaults: Array<{ status: number } | { holdMs: number }> = [];
  private failUploadsForever = false;
  private nonces = new Map<string, { messageId: string; at: number }>();
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  port = 0;

  constructor(opts: FakeDiscordOptions = {}) {
    this.token = opts.token ?? 'fake-bot-token.' + Math.random().toString(36).slice(2);
    this.allowMessageContent = opts.allowMessageContent ?? true;
    this.advertisedGateway = opts.advertisedGateway;
    this.bot = botUser(this.applicationId);
    const specs = opts.channels ?? [
      { name: 'general', type: 0 },
      { name: 'voice-chat', type: 2 },
    ];
    this.guilds.set(this.guildId, []);
    for (const spec of specs) this.addChannel(this.guildId, spec);
    const more = opts.guilds;
    for (let i = 0; more && i < more.count; i++) {
      const guildId = guildIdOnShard(i % more.shardCount, more.shardCount, Math.floor(i / more.shardCount) + 1);
      this.guilds.set(guildId, []);
      this.addChannel(guildId, { name: `general-${i}`, type: 0 });
    }
    const gw = opts.gatewayBot ?? {};
    this.recommendedShards = gw.shards ?? Math.max(1, Math.ceil(this.guilds.size / 1000));
    this.sessionStartLimit = { total: gw.total ?? 1000, remaining: gw.remaining ?? 999, reset_after: gw.resetAfterMs ?? 0, max_concurrency: gw.maxConcurrency ?? 1 };
    this.identifyWindowMs = opts.identifyWindowMs ?? 5000;
    this.interactionsMode = opts.interactions ?? 'gateway';
    if (this.interactionsMode === 'http') {
      const pair = generateKeyPairSync('ed25519');
      this.signingKey = pair.privateKey;
      this.publicKeyHex = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
    }
    this.wss.on('connection', (ws) => this.onSocket(ws));
  }

  private addChannel(guildId: string, spec: ChannelSpec): any {
    const id = SnowflakeUtil.generate().toString();
    const ch = { id, type: spec.type, guild_id: guildId, name: spec.name, position: 0, permission_overwrites: [], nsfw: false, parent_id: null };
    this.channels.set(id, ch);
    this.guilds.get(guildId)!.push(id);
    return ch;
  }

  /** The text channel of a guild. */
  textChannelOf(guildId: string): any {
    const ch = (this.guilds.get(guildId) ?? []).map((id) => this.channels.get(id)).find((c) => c?.type === 0);
    if (!ch) throw new Error(`fake has no text channel in guild ${guildId}`);
    return ch;
  }

  /** The guilds whose events go to `shard` of `shardCount`. */
  guildsOnShard(shard: number, shardCount: number): string[] {
    return [...this.guilds.keys()].filter((g) => shardOf(g, shardCount) === shard);
  }

  /** Identified sessions now: their [shard, count]. */
  get sessions(): [number, number][] {
    return [...this.ready.values()].map((s) => s.shard);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** The same REST API under `/via/<marker>/api`: requests through it are recorded with `via: marker` (tells bot processes apart). */
  apiBaseVia(marker: string): string {
    return `http://127.0.0.1:${this.port}/via/${encodeURIComponent(marker)}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  /** The first channel of a type (0 = text, allows threads; 2 = voice chat, does not). */
  channelOfType(type: number): any {
    const ch = [...this.channels.values()].find((c) => c.type === type);
    if (!ch) throw new Error(`fake has no channel of type ${type}`);
    return ch;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── What tests arrange ───────────────────────────────────────────────────────────────────────

  /** Serve bytes at a CDN URL, as Discord serves an uploaded attachment. */
  hostFile(name: string, bytes: Buffer, contentType = 'image/jpeg', opts: Pick<CdnEntry, 'hang' | 'redirectTo' | 'declaredLength'> = {}): string {
    const key = `${SnowflakeUtil.generate()}/${name}`;
    this.cdn.set(key, { bytes, contentType, ...opts });
    // Signed-looking query, as real CDN URLs carry: the bot must fetch the URL exactly as given.
    return `http://127.0.0.1:${this.port}/cdn/attachments/${key}?ex=${Date.now().toString(16)}&hm=abc123`;
  }

  /**
   * Answer the next `count` calls matching method + path with a 429 (retry-after in seconds).
   * `global`: the per-token limit (X-RateLimit-Global), which interaction callbacks and
   * interaction webhooks never get.
   */
  inject429(method: string, path: RegExp, retryAfterS = 1, count = 1, opts: { global?: boolean } = {}): void {
    this.injected.push({ method: method.toUpperCase(), path, retryAfterS, remaining: count, global: opts.global ?? false });
  }

  /** The next `count` requests with files are answered with `status` (not stored); `forever` until `recover()`. */
  failUploads(status: number, count: number | 'forever'): void {
    if (count === 'forever') this.failUploadsForever = true;
    else this.uploadFaults.push(...Array.from({ length: count }, () => ({ status })));
  }

  /** The next `count` requests with files are held `ms` before they are processed (and succeed). */
  holdUploads(ms: number, count = 1): void {
    this.uploadFaults.push(...Array.from({ length: count }, () => ({ holdMs: ms })));
  }

  recover(): void {
    this.failUploadsForever = false;
    this.uploadFaults = [];
  }

  /** Messages by the bot that show an image now (an image attachment), wherever they are. */
  imageMessages(): ApiMessage[] {
    return [...this.messages.values()].filter((m) => m.author.id === this.bot.id && m.attachments.some((a) => (a.content_type ?? '').startsWith('image/') || /\.(png|jpe?g|webp|gif)$/i.test(a.filename)));
  }

  /** Make an interaction token invalid, as Discord does 15 minutes after the interaction. */
  expireToken(token: string): void {
    for (const rec of this.interactions.values()) if (rec.token === token) rec.expired = true;
  }

  /**
   * Send a gateway dispatch (op 0) to every session of the shard it belongs to, as Discord routes
   * it: a guild's events to shard `(guild_id >> 22) % count`, the rest (DMs) to shard 0. Two
   * sessions on one shard both get it.
   */
  dispatch(t: string, d: any): void {
    const guildId: string | undefined = d?.guild_id ?? (t.startsWith('GUILD_') ? d?.id : undefined);
    for (const [ws, session] of this.ready) {
      if (shardOf(guildId, session.shard[1]) !== session.shard[0]) continue;
      ws.send(JSON.stringify({ op: 0, t, s: ++this.seq, d }));
    }
  }

  /** Dispatch INTERACTION_CREATE; the payload gets id, token, application id filled in. */
  sendInteraction(payload: Record<string, any>, opts: { createdAt?: number } = {}): InteractionRecord {
    const id = SnowflakeUtil.generate({ timestamp: opts.createdAt ?? Date.now() }).toString();
    const token = `itok-${id}-${Math.random().toString(36).slice(2)}`;
    const full = { ...payload, id, token, application_id: this.applicationId, version: 1 };
    const rec: InteractionRecord = { id, token, dispatchedAt: Date.now(), payload: full, expired: false };
    this.interactions.set(id, rec);
    if (this.interactionsMode === 'http') {
      rec.http = this.postInteraction(full).then((answer) => {
        if (answer.status === 200 && typeof answer.body?.type === 'number') rec.ackedAt ??= rec.dispatchedAt + answer.ms;
        this.notify();
        return answer;
      });
    } else {
      this.dispatch('INTERACTION_CREATE', full);
    }
    return rec;
  }

  /**
   * POST an interaction payload to the bot's endpoint, signed as Discord signs it. `forge` signs with
   * a key that is not the application's; `timestamp` (unix seconds) ages the request.
   */
  async postInteraction(payload: Record<string, any>, opts: { forge?: boolean; timestamp?: number; unsigned?: boolean } = {}): Promise<EndpointAnswer> {
    if (!this.interactionsEndpoint || !this.signingKey) throw new Error('fake Discord: not in HTTP-interactions mode, or no interactionsEndpoint set');
    const body = JSON.stringify(payload);
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const key = opts.forge ? generateKeyPairSync('ed25519').privateKey : this.signingKey;
    const signature = sign(null, Buffer.from(timestamp + body), key).toString('hex');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)' };
    if (!opts.unsigned) Object.assign(headers, { 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp });
    const started = performance.now();
    const res = await fetch(this.interactionsEndpoint, { method: 'POST', headers, body });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: parsed, ms: performance.now() - started };
  }

  /** Discord's PING, as sent when the Interactions Endpoint URL is saved in the Developer Portal. */
  ping(opts: { forge?: boolean } = {}): Promise<EndpointAnswer> {
    return this.postInteraction({ id: SnowflakeUtil.generate().toString(), application_id: this.applicationId, type: 1, token: 'ping-token', version: 1 }, opts);
  }

  /**
   * Store a message (as if a user sent it) and dispatch MESSAGE_CREATE. As Discord does, a client
   * without the Message Content intent gets content, attachments, embeds and components emptied,
   * unless the message mentions the bot.
   */
  sendUserMessage(msg: ApiMessage, opts: { dispatch?: boolean } = {}): ApiMessage {
    this.messages.set(msg.id, msg);
    if (opts.dispatch !== false) {
      const ref = msg.message_reference?.message_id ? this.messages.get(msg.message_reference.message_id) : undefined;
      const seen = this.canSeeContent(msg) ? msg : { ...msg, content: '', attachments: [], embeds: [], components: [] };
      const guildId = this.channels.get(msg.channel_id)?.guild_id ?? this.guildId;
      this.dispatch('MESSAGE_CREATE', { ...seen, guild_id: guildId, referenced_message: ref ?? null });
    }
    return msg;
  }

  /** Intents of the connected client (the last successful identify). */
  get intents(): number {
    return this.identifies.filter((i) => i.accepted).at(-1)?.intents ?? 0;
  }

  private canSeeContent(msg: ApiMessage): boolean {
    return (this.intents & 32768) !== 0 || msg.author.id === this.bot.id || msg.mentions.some((u) => u.id === this.bot.id);
  }

  // ── What tests inspect ───────────────────────────────────────────────────────────────────────

  requestsMatching(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path));
  }

  /** Requests made with an interaction's token (callback, webhook edits, follow-ups). */
  requestsFor(rec: InteractionRecord): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(`/${rec.token}`));
  }

  /** Resolve when `check` holds (re-checked after every request and dispatch); reject after timeoutMs. */
  async waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
    const first = check();
    if (first) return first;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = {
        check: () => {
          const v = check();
          if (!v) return false;
          clearTimeout(timer);
          resolve(v);
          return true;
        },
        resolve: () => undefined,
      };
      this.waiters.push(waiter);
    });
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => !w.check());
  }

  // ── Gateway ──────────────────────────────────────────────────────────────────────────────────

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.ready.delete(ws);
    });
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (msg.op === 2) this.onIdentify(ws, msg.d);
      if (msg.op === 6) this.onResume(ws, msg.d);
    });
  }

  private onIdentify(ws: WebSocket, d: any): void {
    const shard: [number, number] = Array.isArray(d.shard) ? [Number(d.shard[0]), Number(d.shard[1])] : [0, 1];
    const identify: IdentifyRecord = { intents: d.intents as number, at: Date.now(), accepted: false, shard, outcome: 'ready' };
    this.identifies.push(identify);
    const close = (code: number, reason: string) => {
      identify.outcome = code;
      ws.close(code, reason);
      this.notify();
    };
    if (d.token !== this.token && d.token !== `Bot ${this.token}`) return close(4004, 'Authentication failed.');
    if (!(shard[1] >= 1 && shard[0] >= 0 && shard[0] < shard[1])) return close(4010, 'Invalid shard.');
    if (this.guildsOnShard(shard[0], shard[1]).length > MAX_GUILDS_PER_SHARD) return close(4011, 'Sharding required.');
    if (!this.allowMessageContent && (d.intents & 32768) !== 0) return close(4014, 'Disallowed intent(s).');
    // max_concurrency buckets: shard_id % max_concurrency; one IDENTIFY per bucket per window.
    const bucket = shard[0] % this.sessionStartLimit.max_concurrency;
    const last = this.bucketLast.get(bucket);
    if (last !== undefined && identify.at - last < this.identifyWindowMs) {
      identify.outcome = 'invalid-session';
      this.invalidSessions++;
      ws.send(JSON.stringify({ op: 9, d: false }));
      this.notify();
      return;
    }
    this.bucketLast.set(bucket, identify.at);
    // Over the daily session starts Discord resets the bot's token: the fake refuses the token.
    if (this.sessionStartLimit.remaining <= 0) return close(4004, 'Authentication failed.');
    this.sessionStartLimit.remaining--;
    identify.accepted = true;
    if ([...this.ready.values()].some((other) => other.shard[0] === shard[0] && other.shard[1] === shard[1])) this.overlaps++;
    const sessionId = Math.random().toString(36).slice(2);
    this.ready.set(ws, { shard, id: sessionId });
    this.knownSessions.set(sessionId, shard);
    const guilds = this.guildsOnShard(shard[0], shard[1]);
    ws.send(
      JSON.stringify({
        op: 0,
        t: 'READY',
        s: ++this.seq,
        d: {
          v: 10,
          user: this.bot,
          guilds: guilds.map((id) => ({ id, unavailable: true })),
          session_id: sessionId,
          resume_gateway_url: this.gatewayUrl,
          shard,
          application: { id: this.applicationId, flags: 0 },
        },
      }),
    );
    for (const guildId of guilds) {
      const channels = (this.guilds.get(guildId) ?? []).map((id) => this.channels.get(id)).filter((c) => c && c.type !== 11);
      ws.send(JSON.stringify({ op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: guildCreatePayload(guildId, this.bot, channels) }));
    }
    this.notify();
  }

  /** Op 7 RECONNECT to every session of a shard: the client should reconnect and RESUME. */
  requestReconnect(shardId: number): void {
    for (const [ws, session] of this.ready) if (session.shard[0] === shardId) ws.send(JSON.stringify({ op: 7, d: null }));
  }

  private onResume(ws: WebSocket, d: any): void {
    const shard = this.knownSessions.get(d.session_id);
    if (!shard || (d.token !== this.token && d.token !== `Bot ${this.token}`)) {
      ws.send(JSON.stringify({ op: 9, d: false }));
      return;
    }
    this.ready.set(ws, { shard, id: d.session_id });
    this.resumes.push(shard[0]);
    ws.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.seq, d: {} }));
    this.notify();
  }

  // ── REST ─────────────────────────────────────────────────────────────────────────────────────

  private async handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (url.pathname.startsWith('/cdn/attachments/')) return this.serveCdn(url, res);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const routed = decodeURIComponent(url.pathname).match(/^(?:\/via\/([^/]+))?(\/.*)$/)!;
    const path = routed[2].replace(/^\/api\/v10/, '');
    const { body, files } = await parseBody(req, raw);
    const rec: RecordedRequest = { at: Date.now(), method: req.method ?? 'GET', path, query: url.searchParams, auth: req.headers.authorization, body, files, status: 0, via: routed[1] };
    this.requests.push(rec);

    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, json === undefined ? headers : { 'content-type': 'application/json', ...headers });
      res.end(json === undefined ? undefined : JSON.stringify(json));
      this.notify();
    };

    // Interaction callbacks and interaction webhooks are exempt from the global limit, as on Discord.
    const exemptFromGlobal = /^\/(interactions\/\d+\/[^/]+\/callback|webhooks\/\d+\/[^/]+)/.test(path);
    const injected = this.injected.find((i) => i.remaining > 0 && i.method === rec.method && i.path.test(path) && !(i.global && exemptFromGlobal));
    if (injected) {
      injected.remaining--;
      if (injected.global) {
        return send(429, { message: 'You are being rate limited.', retry_after: injected.retryAfterS, global: true }, { 'retry-after': String(injected.retryAfterS), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
      }
      return send(429, { message: 'You are being rate limited.', retry_after: injected.retryAfterS, global: false }, {
        'retry-after': String(injected.retryAfterS),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': String(injected.retryAfterS),
        'x-ratelimit-bucket': 'fake-bucket',
        'x-ratelimit-scope': 'user',
      });
    }

    if (rec.files.length) {
      if (this.failUploadsForever) return send(500, { message: '500: Internal Server Error', code: 0 });
      const fault = this.uploadFaults.shift();
      if (fault && 'status' in fault) return send(fault.status, { message: `${fault.status}: injected`, code: 0 });
      if (fault) await new Promise((resolve) => setTimeout(resolve, fault.holdMs));
    }

    try {
      const out = this.route(rec);
      if (out.status === 204) return send(204);
      return send(out.status, out.json);
    } catch (err) {
      return send(500, { message: String(err), code: 0 });
    }
  }

  private route(rec: RecordedRequest): { status: number; json?: unknown } {
    const { method, path } = rec;
    let m: RegExpMatchArray | null;
    const unauthorized = { status: 401, json: { message: '401: Unauthorized', code: 0 } };
    const isBot = rec.auth === `Bot ${this.token}`;

    if (method === 'GET' && path === '/gateway/bot') {
      if (!isBot) return unauthorized;
      return { status: 200, json: { url: this.advertisedGateway ?? this.gatewayUrl, shards: this.recommendedShards, session_start_limit: { ...this.sessionStartLimit } } };
    }
    if (method === 'GET' && path === '/oauth2/applications/@me') {
      if (!isBot) return unauthorized;
      return { status: 200, json: { id: this.applicationId, name: 'Easel (fake)', bot_public: true, bot_require_code_grant: false, flags: 0, bot: this.bot } };
    }
    if (method === 'GET' && path === '/users/@me') return isBot ? { status: 200, json: this.bot } : unauthorized;

    if ((m = path.match(/^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/))) {
      if (!isBot) return unauthorized;
      const scope = m[2] ?? 'global';
      if (method === 'PUT') {
        const cmds = (rec.body as any[]).map((c) => ({ ...c, id: SnowflakeUtil.generate().toString(), application_id: m![1], guild_id: m![2], version: '1' }));
        this.commands.set(scope, cmds);
        return { status: 200, json: cmds };
      }
      if (method === 'GET') return { status: 200, json: this.commands.get(scope) ?? [] };
    }

    if ((m = path.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/)) && method === 'POST') {
      const inter = this.interactions.get(m[1]);
      if (!inter || inter.token !== m[2]) return { status: 404, json: { message: 'Unknown interaction', code: 10062 } };
      if (inter.originalId !== undefined || this.requestsFor(inter).filter((r) => r.path.endsWith('/callback')).length > 1) {
        return { status: 400, json: { message: 'Interaction has already been acknowledged.', code: 40060 } };
      }
      inter.ackedAt ??= rec.at;
      return this.interactionCallback(inter, rec);
    }

    if ((m = path.match(/^\/webhooks\/(\d+)\/([^/]+)(\/messages\/([^/]+))?$/))) {
      const inter = [...this.interactions.values()].find((i) => i.token === m![2]);
      if (!inter || m[1] !== this.applicationId) return { status: 404, json: { message: 'Unknown Webhook', code: 10015 } };
      if (inter.expired) return { status: 401, json: { message: 'Invalid Webhook Token', code: 50027 } };
      const target = m[4] === '@original' ? inter.originalId : m[4];
      if (m[3] === undefined && method === 'POST') {
        const msg = this.storeMessage(inter.payload.channel_id, rec, { interaction: inter, flags: rec.body?.flags });
        return { status: 200, json: msg };
      }
      const msg = target ? this.messages.get(target) : undefined;
      if (!msg) return { status: 404, json: { message: 'Unknown Message', code: 10008 } };
      if (method === 'GET') return { status: 200, json: msg };
      if (method === 'PATCH') return { status: 200, json: this.editMessage(msg, rec) };
      if (method === 'DELETE') {
        this.messages.delete(msg.id);
        return { status: 204 };
      }
    }

    if ((m = path.match(/^\/channels\/(\d+)$/)) && method === 'GET') {
      if (!isBot) return unauthorized;
      const ch = this.channels.get(m[1]);
      return ch ? { status: 200, json: ch } : { status: 404, json: { message: 'Unknown Channel', code: 10003 } };
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages$/)) && method === 'GET') {
      // The channel's history, newest first (`limit` 1–100, default 50); content hidden as the gateway hides it.
      if (!isBot) return unauthorized;
      if (!this.channels.has(m[1])) return { status: 404, json: { message: 'Unknown Channel', code: 10003 } };
      const limit = Math.min(100, Math.max(1, Number(rec.query.get('limit') ?? 50)));
      const history = [...this.messages.values()].filter((x) => x.channel_id === m![1]).reverse().slice(0, limit);
      return { status: 200, json: history.map((x) => (this.canSeeContent(x) ? x : { ...x, content: '', attachments: [], embeds: [], components: [] })) };
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages$/)) && method === 'POST') {
      if (!isBot) return unauthorized;
      if (!this.channels.has(m[1])) return { status: 404, json: { message: 'Unknown Channel', code: 10003 } };
      const nonce = rec.body?.enforce_nonce && rec.body?.nonce !== undefined ? `${this.bot.id}:${rec.body.nonce}` : undefined;
      const seen = nonce ? this.nonces.get(nonce) : undefined;
      if (seen && Date.now() - seen.at < NONCE_WINDOW_MS && this.messages.has(seen.messageId)) return { status: 200, json: this.messages.get(seen.messageId) };
      const created = this.storeMessage(m[1], rec, {});
      if (nonce) this.nonces.set(nonce, { messageId: created.id, at: Date.now() });
      return { status: 200, json: created };
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)$/))) {
      if (!isBot) return unauthorized;
      const msg = this.messages.get(m[2]);
      if (!msg || msg.channel_id !== m[1]) return { status: 404, json: { message: 'Unknown Message', code: 10008 } };
      if (method === 'GET') return { status: 200, json: msg };
      if (method === 'PATCH') {
        if (msg.author.id !== this.bot.id) return { status: 403, json: { message: 'Cannot edit a message authored by another user', code: 50005 } };
        return { status: 200, json: this.editMessage(msg, rec) };
      }
      if (method === 'DELETE') {
        this.messages.delete(msg.id);
        return { status: 204 };
      }
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)\/threads$/)) && method === 'POST') {
      if (!isBot) return unauthorized;
      const parent = this.channels.get(m[1]);
      const msg = this.messages.get(m[2]);
      if (!parent || !msg) return { status: 404, json: { message: 'Unknown Message', code: 10008 } };
      if (parent.type !== 0 && parent.type !== 5) return { status: 400, json: { message: 'Cannot execute action on this channel type', code: 50024 } };
      // A thread started from a message shares the message's id.
      const thread = {
        id: msg.id,
        type: 11,
        guild_id: parent.guild_id,
        parent_id: parent.id,
        name: rec.body?.name ?? 'thread',
        owner_id: this.bot.id,
        message_count: 0,
        member_count: 1,
        rate_limit_per_user: 0,
        thread_metadata: { archived: false, auto_archive_duration: rec.body?.auto_archive_duration ?? 1440, archive_timestamp: new Date().toISOString(), locked: false },
      };
      this.channels.set(thread.id, thread);
      msg.thread = thread;
      this.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return { status: 201, json: thread };
    }
    return { status: 404, json: { message: `fake Discord has no route ${method} ${path}`, code: 0 } };
  }

  private interactionCallback(inter: InteractionRecord, rec: RecordedRequest): { status: number; json?: unknown } {
    const type = rec.body?.type as number;
    const data = rec.body?.data ?? {};
    let message: ApiMessage | undefined;
    if (type === 4 || type === 5) {
      // New response message (5 = deferred: "Easel is thinking…" until edited).
      message = this.storeMessage(inter.payload.channel_id, { ...rec, body: data }, { interaction: inter, flags: (data.flags ?? 0) | (type === 5 ? 128 : 0) });
      inter.originalId = message.id;
    } else if (type === 6 || type === 7) {
      // Component interactions: the original response is the message the component sits on.
      const target = this.messages.get(inter.payload.message?.id);
      inter.originalId = target?.id ?? 'none';
      if (target && type === 7) message = this.editMessage(target, { ...rec, body: data });
    } else {
      inter.originalId = 'none';
    }
    if (rec.query.get('with_response') === 'true') {
      return { status: 200, json: { interaction: { id: inter.id, type: inter.payload.type }, resource: message ? { type, message } : { type } } };
    }
    return { status: 204 };
  }

  private storeMessage(channelId: string, rec: RecordedRequest, opts: { interaction?: InteractionRecord; flags?: number }): ApiMessage {
    const id = SnowflakeUtil.generate().toString();
    const msg = messagePayload({
      id,
      channelId,
      author: this.bot,
      content: rec.body?.content ?? '',
      flags: opts.flags ?? 0,
      components: rec.body?.components ?? [],
      attachments: this.attachmentsFrom(rec),
      reference: rec.body?.message_reference,
      interaction: opts.interaction ? { id: opts.interaction.id, type: opts.interaction.payload.type, name: opts.interaction.payload.data?.name ?? '', user: interactionUser(opts.interaction.payload) } : undefined,
    });
    this.messages.set(id, msg);
    return msg;
  }

  private editMessage(msg: ApiMessage, rec: RecordedRequest): ApiMessage {
    const b = rec.body ?? {};
    if (b.content !== undefined) msg.content = b.content ?? '';
    if (b.components !== undefined) msg.components = b.components ?? [];
    if (b.attachments !== undefined || rec.files.length) {
      // `attachments` lists the ones to keep (by id) and the new uploads (by index into files).
      const kept = (b.attachments ?? []).filter((a: any) => msg.attachments.some((x) => x.id === a.id && !/^\d{1,2}$/.test(String(a.id))));
      msg.attachments = [...msg.attachments.filter((a) => kept.some((k: any) => k.id === a.id)), ...this.attachmentsFrom(rec)];
    }
    msg.flags = (msg.flags ?? 0) & ~128;
    msg.edited_timestamp = new Date().toISOString();
    return msg;
  }

  private attachmentsFrom(rec: RecordedRequest): ApiMessage['attachments'] {
    return rec.files.map((f) => {
      const url = this.hostFile(f.name, f.bytes, f.contentType);
      return { id: SnowflakeUtil.generate().toString(), filename: f.name, size: f.bytes.length, url, proxy_url: url, content_type: f.contentType };
    });
  }

  private serveCdn(url: URL, res: http.ServerResponse): void {
    this.cdnRequests.push(url.pathname);
    const entry = this.cdn.get(url.pathname.slice('/cdn/attachments/'.length));
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    if (entry.hang) return; // never answers: the bot's download timeout must fire
    if (entry.redirectTo) return void res.writeHead(302, { location: entry.redirectTo }).end();
    if (entry.declaredLength !== undefined) {
      res.writeHead(200, { 'content-type': entry.contentType, 'content-length': String(entry.declaredLength) });
      return void res.write(entry.bytes.subarray(0, 64));
    }
    res.writeHead(200, { 'content-type': entry.contentType, 'content-length': String(entry.bytes.length) });
    res.end(entry.bytes);
  }
}

function interactionUser(payload: any): ApiUser {
  return payload.member?.user ?? payload.user;
}

/** JSON or multipart (payload_json + files[n]) as discord.js sends them. */
async function parseBody(req: http.IncomingMessage, raw: Buffer): Promise<{ body: any; files: RecordedFile[] }> {
  const type = req.headers['content-type'] ?? '';
  if (!raw.length) return { body: undefined, files: [] };
  if (type.startsWith('application/json')) return { body: JSON.parse(raw.toString('utf8')), files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    let body: any;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (field === 'payload_json') body = JSON.parse(String(value));
      else if (typeof value !== 'string') files.push({ field, name: value.name, contentType: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
    }
    return { body, files };
  }
  return { body: raw.toString('utf8'), files: [] };
}

export { PERMISSIONS_ALL };
