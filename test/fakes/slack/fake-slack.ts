/**
 * A fake Slack for tests, on 127.0.0.1: the Web API methods Easel calls (with Slack's ok/error
 * envelope, token checks, channel membership and message threads), file hosting behind the bot
 * token (`url_private`), the files.uploadV2 flow (getUploadURLExternal → upload → completeUploadExternal),
 * injectable failures (HTTP 429 with Retry-After, ok:false errors), and a Socket Mode WebSocket
 * server handed out by apps.connections.open.
 *
 * It records everything (calls, messages and their updates, ephemeral messages, views, shared
 * files) so tests assert on what the bot did, and it builds the event payloads of a user posting
 * a message (with files) for the signed sender or the socket to deliver.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { WebSocketServer, type WebSocket } from 'ws';

export const TEAM_ID = 'T0EASEL';
export const APP_ID = 'A0EASEL';
export const BOT_USER_ID = 'U0EASELBOT';
export const BOT_ID = 'B0EASEL';

export interface ApiCall {
  method: string;
  /** The token the call presented (Authorization header or `token` argument). */
  token?: string;
  args: Record<string, any>;
  at: number;
  status: number;
  response: Record<string, any>;
}

export interface Message {
  channel: string;
  /** Distribution mode: the workspace whose token posted it (bot messages). */
  team?: string;
  ts: string;
  thread_ts?: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks?: any[];
  metadata?: any;
  files?: SlackFileObject[];
  /** The message Slack posts when a file is shared into a conversation (files.completeUploadExternal). */
  fileShare?: boolean;
  deleted: boolean;
  /** Every text this message had, oldest first (postMessage, then each chat.update). */
  history: Array<{ text: string; blocks?: any[]; at: number }>;
}

export interface Ephemeral {
  channel: string;
  user: string;
  text: string;
  thread_ts?: string;
  at: number;
}

export interface SharedUpload {
  fileId: string;
  filename: string;
  title?: string;
  bytes: Buffer;
  channel: string;
  threadTs?: string;
  initialComment?: string;
  at: number;
}

export interface SlackFileObject {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

export type Failure = { status: 429; retryAfter: number } | { status: 500 } | { error: string };

export interface FakeSlackOptions {
  botToken: string;
  appToken?: string;
  /** Channels the bot is not a member of (posting there answers not_in_channel). */
  notMemberOf?: string[];
  /** The app's OAuth credentials (distribution mode): `/oauth/v2/authorize` and `oauth.v2.access` check them. */
  oauth?: { clientId: string; clientSecret: string; redirectUrl: string; /** expires_in of issued bot tokens (token rotation on); none = tokens never expire. */ expiresIn?: number };
}

/** A workspace that can install the app (distribution mode): its own bot user and the tokens issued to it. */
export interface FakeWorkspace {
  teamId: string;
  name: string;
  botUserId: string;
  botId: string;
}

/** A token the fake issued through OAuth. */
interface IssuedToken {
  teamId: string;
  kind: 'bot' | 'refresh';
  /** ms since epoch; bot tokens with rotation only. */
  expiresAt?: number;
  /** Refresh tokens are single-use; bot tokens are revoked when refreshed away or uninstalled. */
  spent: boolean;
}

type Waiter = () => boolean;

export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly messages: Message[] = [];
  readonly ephemerals: Ephemeral[] = [];
  readonly views: Array<{ trigger_id: string; view: any; id: string }> = [];
  readonly uploads: SharedUpload[] = [];
  /** Every file download; `tokenTeam`: the workspace of the token presented (distribution mode), `fileTeam`: the file's. */
  readonly downloads: Array<{ fileId: string; authorized: boolean; fileTeam?: string; tokenTeam?: string }> = [];
  /** Messages the bot sent to a slash command's response_url. */
  readonly responses: Array<{ id: string; body: any; at: number }> = [];
  /** Users users.info reports as workspace admins (is_admin). */
  readonly admins = new Set<string>();
  /** Fields users.info reports for a user beyond the defaults (another `team_id`, `enterprise_user`, …). */
  readonly profiles = new Map<string, Record<string, unknown>>();
  /** Socket Mode acks received, by envelope id. */
  readonly socketAcks = new Map<string, any>();

  /** Distribution mode: workspaces that can install the app, by team id. */
  readonly workspaces = new Map<string, FakeWorkspace>();
  /** Distribution mode: the workspace each channel belongs to (a workspace's `C<teamId>` and any added). */
  readonly channelTeams = new Map<string, string>();
  /** Calls that named a channel of one workspace with another workspace's token (refused as channel_not_found). */
  readonly crossWorkspaceCalls: Array<{ method: string; channel: string; channelTeam: string; tokenTeam?: string }> = [];
  /** Calls answered 429 by the read limit (`limitThreadReads`). */
  readonly readsLimited: Array<{ method: string; team?: string; retryAfter: number }> = [];
  private readLimit?: { windowMs: number; last: Map<string, number> };
  /** The caller of the method being answered (set around the synchronous `method()`). */
  private caller: { teamId?: string; user: string; botId: string } = { user: BOT_USER_ID, botId: BOT_ID };
  /** Every visit to the authorize page (the query Bolt sent the admin's browser with). */
  readonly authorizeVisits: URLSearchParams[] = [];
  /** oauth.v2.access grants: which grant, for which team, and whether it was refused. */
  readonly grants: Array<{ grant: 'authorization_code' | 'refresh_token'; teamId?: string; error?: string }> = [];
  private readonly issued = new Map<string, IssuedToken>();
  private readonly codes = new Map<string, { teamId: string; redirectUri?: string }>();

  private readonly hosted = new Map<string, { bytes: Buffer; file: SlackFileObject; hang: boolean; teamId?: string }>();
  private readonly pendingUploads = new Map<string, { filename: string; length: number; bytes?: Buffer }>();
  /** Byte uploads to hold before they are stored and answered (a slow or stuck upload that succeeds late). */
  private uploadHolds: number[] = [];
  private readonly failures = new Map<string, Array<{ failure: Failure; match?: (args: Record<string, any>) => boolean }>>();
  private readonly waiters = new Set<Waiter>();
  private readonly sockets = new Set<WebSocket>();
  private readonly wss: WebSocketServer;
  private seq = 0;
  private pingTimer?: NodeJS.Timeout;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly opts: FakeSlackOptions,
  ) {
    this.wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket')) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    // Slack pings its Socket Mode clients; the client reconnects when pings stop.
    this.pingTimer = setInterval(() => this.sockets.forEach((ws) => ws.ping()), 5000);
  }

  static async start(opts: FakeSlackOptions): Promise<FakeSlack> {
    const holder: { fake?: FakeSlack } = {};
    const server = createServer((req, res) => {
      holder.fake?.handle(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeSlack(server, `http://127.0.0.1:${port}/`, opts);
    return holder.fake;
  }

  /** SLACK_API_URL for the bot. */
  get apiUrl(): string {
    return `${this.baseUrl}api/`;
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── test controls ───────────────────────────────────────────────────────────────────────────

  /** Register a workspace that can install the app (distribution mode). */
  addWorkspace(teamId: string, name = `Workspace ${teamId}`): FakeWorkspace {
    const ws = { teamId, name, botUserId: `U${teamId}BOT`, botId: `B${teamId}` };
    this.workspaces.set(teamId, ws);
    this.channelTeams.set(`C${teamId}`, teamId);
    return ws;
  }

  /** A channel of a workspace (distribution mode): only that workspace's tokens may use it. */
  addChannel(teamId: string, channel: string): void {
    this.channelTeams.set(channel, teamId);
  }

  /** Whether `user` is a bot user of the app (the single-workspace bot or a workspace's). */
  isBotUser(user: string | undefined): boolean {
    return user === BOT_USER_ID || [...this.workspaces.values()].some((w) => w.botUserId === user);
  }

  /** The workspace a token was issued to (undefined for the single-workspace bot token or an unknown one). */
  teamOfToken(token: string | undefined): string | undefined {
    return token ? this.issued.get(token)?.teamId : undefined;
  }

  /** Bot tokens issued so far for a workspace (oldest first). */
  botTokensOf(teamId: string): string[] {
    return [...this.issued.entries()].filter(([, t]) => t.teamId === teamId && t.kind === 'bot').map(([k]) => k);
  }

  /**
   * Slack's limit for apps outside the Marketplace: conversations.history and conversations.replies
   * at 1 request per `windowMs` (default a minute) per method and workspace; the rest get HTTP 429
   * with Retry-After (the seconds left). `off` lifts it.
   */
  limitThreadReads(windowMs: number | 'off' = 60_000): void {
    this.readLimit = windowMs === 'off' ? undefined : { windowMs, last: new Map() };
  }

  /** The next `count` byte uploads (to an upload_url) are held `ms` before they are stored and answered. */
  holdUploads(ms: number, count = 1): void {
    this.uploadHolds.push(...Array<number>(count).fill(ms));
  }

  /** Every failure queued for `method` is dropped (a platform that recovers). */
  recover(method: string): void {
    this.failures.delete(method);
  }

  /** The next call(s) of `method` fail this way, in order. */
  failNext(method: string, ...failures: Failure[]): void {
    this.failWhen(method, () => true, ...failures);
  }

  /** The next call(s) of `method` whose arguments match (e.g. one channel) fail this way, in order. */
  failWhen(method: string, match: (args: Record<string, any>) => boolean, ...failures: Failure[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...failures.map((failure) => ({ failure, match }))]);
  }

  /**
   * Host a file as if a user had uploaded it; returns its Slack file object. `declaredSize` lies
   * about its size; `hang` sends the headers and then stalls forever.
   */
  hostFile(bytes: Buffer, name: string, mimetype: string, opts: { declaredSize?: number; hang?: boolean; /** distribution mode: the workspace that owns it (only its tokens may fetch it) */ teamId?: string } = {}): SlackFileObject {
    const declaredSize = opts.declaredSize ?? bytes.length;
    const id = `F${String(++this.seq).padStart(8, '0')}`;
    const url = `${this.baseUrl}files-pri/${opts.teamId ?? TEAM_ID}-${id}/${encodeURIComponent(name)}`;
    const file: SlackFileObject = { id, name, title: name, mimetype, filetype: name.split('.').pop() ?? '', size: declaredSize, url_private: url, url_private_download: `${url}?download=1` };
    this.hosted.set(id, { bytes, file, hang: opts.hang ?? false, teamId: opts.teamId });
    return file;
  }

  /**
   * A user posts a message. Returns the `message` event Slack would send, and the `app_mention`
   * event too when the text mentions the bot.
   */
  userMessage(m: { channel: string; user: string; text?: string; threadTs?: string; files?: SlackFileObject[] }): { message: any; mention?: any } {
    const botUserId = this.workspaces.get(this.channelTeams.get(m.channel) ?? '')?.botUserId ?? BOT_USER_ID;
    const ts = this.nextTs();
    const stored: Message = { channel: m.channel, ts, thread_ts: m.threadTs, user: m.user, text: m.text ?? '', files: m.files, deleted: false, history: [{ text: m.text ?? '', at: Date.now() }] };
    this.messages.push(stored);
    const base = {
      user: m.user,
      text: m.text ?? '',
      ts,
      channel: m.channel,
      event_ts: ts,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(m.files ? { files: m.files, upload: false } : {}),
    };
    const message = { type: 'message', ...(m.files ? { subtype: 'file_share' } : {}), channel_type: 'channel', ...base };
    const mention = (m.text ?? '').includes(`<@${botUserId}>`) ? { type: 'app_mention', ...base } : undefined;
    return { message, mention };
  }

  /** Resolves when `check` returns a value (not undefined/false), re-checked on every change. */
  waitFor<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 60_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = check();
      if (first) return resolve(first);
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`fake slack: timed out waiting for ${what}`));
      }, timeoutMs);
      const waiter: Waiter = () => {
        const v = check();
        if (!v) return false;
        clearTimeout(timer);
        resolve(v);
        return true;
      };
      this.waiters.add(waiter);
    });
  }

  /** A response_url for a slash command; what the bot sends there lands in `responses`. */
  responseUrl(): string {
    return `${this.baseUrl}respond/${++this.seq}`;
  }

  callsOf(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The bot's own chat messages (prompts, status messages), not the messages of shared files. */
  botMessages(channel?: string): Message[] {
    return this.messages.filter((m) => this.isBotUser(m.user) && !m.fileShare && (channel === undefined || m.channel === channel));
  }

  /** Messages that show the user an image: the bot's shared files (how a result reaches the user). */
  imageMessages(channel?: string, threadTs?: string): Message[] {
    return this.messages.filter((m) => m.fileShare && !m.deleted && (channel === undefined || m.channel === channel) && (threadTs === undefined || m.thread_ts === threadTs));
  }

  /** Send a Socket Mode envelope to every connected client; resolves with the client's ack. */
  async sendEnvelope(type: 'events_api' | 'slash_commands' | 'interactive', payload: any, extra: Record<string, unknown> = {}): Promise<any> {
    const envelopeId = `env-${++this.seq}`;
    await this.waitFor(() => this.sockets.size > 0 && [...this.sockets].some((ws) => ws.readyState === ws.OPEN), 'a Socket Mode connection');
    const msg = JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '', ...extra });
    for (const ws of this.sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
    return this.waitFor(() => this.socketAcks.get(envelopeId), `the ack of ${envelopeId}`, 10_000);
  }

  get socketConnections(): number {
    return this.sockets.size;
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────

  private changed(): void {
    for (const w of [...this.waiters]) if (w()) this.waiters.delete(w);
  }

  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.envelope_id) this.socketAcks.set(msg.envelope_id, msg.payload ?? {});
      this.changed();
    });
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.changed();
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake-slack' }, connection_info: { app_id: APP_ID } }));
    this.changed();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = await readBody(req);
    if (url.pathname === '/oauth/v2/authorize') return this.authorizePage(url, res);
    if (url.pathname.startsWith('/api/')) return this.api(url.pathname.slice(5), req, body, res);
    if (url.pathname.startsWith('/upload/')) return this.receiveUpload(url.pathname.slice(8), req, body, res);
    if (url.pathname.startsWith('/files-pri/')) return this.serveFile(url.pathname, req, res);
    if (url.pathname.startsWith('/respond/')) {
      this.responses.push({ id: url.pathname.slice(9), body: JSON.parse(body.toString('utf8') || '{}'), at: Date.now() });
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
      return this.changed();
    }
    res.statusCode = 404;
    res.end('not found');
  }

  /**
   * Slack's authorize page after the admin clicks "Allow": straight back to the redirect URL with a
   * code and the state. `team` (Slack accepts it too) picks the workspace; default: the first one.
   */
  private authorizePage(url: URL, res: ServerResponse): void {
    this.authorizeVisits.push(url.searchParams);
    const oauth = this.opts.oauth;
    const team = url.searchParams.get('team') ?? [...this.workspaces.keys()][0];
    const redirectUri = url.searchParams.get('redirect_uri') ?? undefined;
    if (!oauth || url.searchParams.get('client_id') !== oauth.clientId || !team || !this.workspaces.has(team)) {
      res.statusCode = 400;
      return void res.end('invalid client_id or workspace');
    }
    const code = `code-${team}-${++this.seq}`;
    this.codes.set(code, { teamId: team, redirectUri });
    const back = new URL(redirectUri ?? oauth.redirectUrl);
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    res.statusCode = 302;
    res.setHeader('location', back.toString());
    res.end();
  }

  /** oauth.v2.access: the code grant (install) and the refresh-token grant (single-use refresh tokens). */
  private oauthAccess(args: Record<string, any>, req: IncomingMessage): Record<string, any> {
    const oauth = this.opts.oauth;
    const basic = (req.headers.authorization ?? '').startsWith('Basic ') ? Buffer.from((req.headers.authorization ?? '').slice(6), 'base64').toString('utf8').split(':') : [];
    const clientId = args.client_id ?? basic[0];
    const clientSecret = args.client_secret ?? basic[1];
    const grant = args.grant_type === 'refresh_token' ? 'refresh_token' : 'authorization_code';
    const refuse = (error: string, teamId?: string) => {
      this.grants.push({ grant, teamId, error });
      throw new SlackApiError(error);
    };
    if (!oauth || clientId !== oauth.clientId || clientSecret !== oauth.clientSecret) return refuse('invalid_client_id');
    let teamId: string;
    if (grant === 'refresh_token') {
      const old = this.issued.get(String(args.refresh_token));
      if (!old || old.kind !== 'refresh') return refuse('invalid_refresh_token');
      if (old.spent) return refuse('invalid_refresh_token', old.teamId);
      old.spent = true;
      teamId = old.teamId;
    } else {
      const code = this.codes.get(String(args.code));
      if (!code) return refuse('invalid_code');
      this.codes.delete(String(args.code));
      if (code.redirectUri && args.redirect_uri !== code.redirectUri) return refuse('bad_redirect_uri', code.teamId);
      teamId = code.teamId;
    }
    const ws = this.workspaces.get(teamId)!;
    const n = ++this.seq;
    const access = `xoxb-${teamId}-${n}`;
    const expiresIn = oauth.expiresIn;
    this.issued.set(access, { teamId, kind: 'bot', spent: false, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    const rotation: Record<string, any> = {};
    if (expiresIn) {
      const refresh = `xoxe-1-${teamId}-${n}`;
      this.issued.set(refresh, { teamId, kind: 'refresh', spent: false });
      Object.assign(rotation, { refresh_token: refresh, expires_in: expiresIn });
    }
    this.grants.push({ grant, teamId });
    return {
      app_id: APP_ID,
      authed_user: { id: `U${teamId}ADMIN` },
      scope: (args.scope as string | undefined) ?? this.grantedScopes,
      token_type: 'bot',
      access_token: access,
      bot_user_id: ws.botUserId,
      team: { id: teamId, name: ws.name },
      enterprise: null,
      is_enterprise_install: false,
      ...rotation,
    };
  }

  /** The scopes the last authorize visit asked for (what the admin approved). */
  private get grantedScopes(): string {
    return this.authorizeVisits.at(-1)?.get('scope') ?? '';
  }

  private serveFile(pathname: string, req: IncomingMessage, res: ServerResponse): void {
    const id = pathname.split('/')[2]?.split('-')[1] ?? '';
    const hosted = this.hosted.get(id);
    const presented = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const tokenTeam = this.teamOfToken(presented);
    const issued = this.issued.get(presented);
    // A workspace's file only with that workspace's live bot token; otherwise the single-workspace token.
    const authorized = hosted?.teamId
      ? tokenTeam === hosted.teamId && issued?.kind === 'bot' && !issued.spent && (issued.expiresAt === undefined || issued.expiresAt > Date.now())
      : presented === this.opts.botToken;
    this.downloads.push({ fileId: id, authorized, fileTeam: hosted?.teamId, tokenTeam });
    this.changed();
    if (!hosted) {
      res.statusCode = 404;
      return void res.end('file not found');
    }
    if (!authorized) {
      // What Slack does: the sign-in page, status 200.
      res.setHeader('content-type', 'text/html; charset=utf-8');
      return void res.end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
    }
    res.setHeader('content-type', hosted.file.mimetype);
    res.setHeader('content-length', String(hosted.bytes.length));
    if (hosted.hang) {
      res.flushHeaders();
      res.write(hosted.bytes.subarray(0, 1));
      return; // never ends; close() drops the connection
    }
    res.end(hosted.bytes);
  }

  private async receiveUpload(fileId: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const pending = this.pendingUploads.get(fileId);
    if (!pending) {
      res.statusCode = 404;
      return void res.end('unknown upload');
    }
    const hold = this.uploadHolds.shift();
    if (hold) await new Promise((resolve) => setTimeout(resolve, hold));
    const type = req.headers['content-type'] ?? '';
    let bytes = body;
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
      const part = [...form.values()].find((v) => typeof v !== 'string') as Blob | undefined;
      bytes = part ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
    }
    pending.bytes = bytes;
    res.statusCode = 200;
    res.end(`OK - ${bytes.length}`);
  }

  private api(method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const args = parseArgs(req.headers['content-type'] ?? '', raw);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '') || (args.token as string | undefined);
    const reply = (status: number, response: Record<string, any>, headers: Record<string, string> = {}) => {
      this.calls.push({ method, token, args, at: Date.now(), status, response });
      res.statusCode = status;
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(response));
      this.changed();
    };

    const queue = this.failures.get(method) ?? [];
    const index = queue.findIndex((f) => !f.match || f.match(args));
    const failure = index >= 0 ? queue.splice(index, 1)[0].failure : undefined;
    if (failure) {
      if ('status' in failure && failure.status === 500) return reply(500, { ok: false, error: 'internal_error' });
      if ('status' in failure) return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter) });
      return reply(200, { ok: false, error: failure.error });
    }

    if (this.readLimit && (method === 'conversations.replies' || method === 'conversations.history')) {
      const team = token ? this.issued.get(token)?.teamId : undefined;
      const key = `${method}:${team ?? 'single'}`;
      const last = this.readLimit.last.get(key);
      const now = Date.now();
      if (last !== undefined && now - last < this.readLimit.windowMs) {
        const retryAfter = Math.max(1, Math.ceil((this.readLimit.windowMs - (now - last)) / 1000));
        this.readsLimited.push({ method, team, retryAfter });
        return reply(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
      }
      this.readLimit.last.set(key, now);
    }

    if (method === 'oauth.v2.access') {
      try {
        return reply(200, { ok: true, ...this.oauthAccess(args, req) });
      } catch (err) {
        if (err instanceof SlackApiError) return reply(200, { ok: false, error: err.code });
        throw err;
      }
    }

    const wantsAppToken = method === 'apps.connections.open';
    const issued = token ? this.issued.get(token) : undefined;
    if (issued && !wantsAppToken) {
      if (issued.kind !== 'bot' || issued.spent) return reply(200, { ok: false, error: 'invalid_auth' });
      if (issued.expiresAt !== undefined && issued.expiresAt <= Date.now()) return reply(200, { ok: false, error: 'token_expired' });
      if (method === 'auth.test') {
        const ws = this.workspaces.get(issued.teamId)!;
        return reply(200, { ok: true, url: `https://${ws.teamId.toLowerCase()}.slack.com/`, team: ws.name, user: 'easel', team_id: ws.teamId, user_id: ws.botUserId, bot_id: ws.botId });
      }
    } else {
      const expected = wantsAppToken ? this.opts.appToken : this.opts.botToken;
      if (!token || token !== expected) return reply(200, { ok: false, error: 'invalid_auth' });
    }

    const ws = issued ? this.workspaces.get(issued.teamId) : undefined;
    this.caller = ws ? { teamId: ws.teamId, user: ws.botUserId, botId: ws.botId } : { user: BOT_USER_ID, botId: BOT_ID };
    for (const key of ['channel', 'channel_id']) {
      const channel = args[key] as string | undefined;
      const channelTeam = channel ? this.channelTeams.get(channel) : undefined;
      if (channel && channelTeam && channelTeam !== this.caller.teamId) {
        this.crossWorkspaceCalls.push({ method, channel, channelTeam, tokenTeam: this.caller.teamId });
        return reply(200, { ok: false, error: 'channel_not_found' });
      }
    }
    try {
      reply(200, { ok: true, ...this.method(method, args) });
    } catch (err) {
      if (err instanceof SlackApiError) return reply(200, { ok: false, error: err.code });
      throw err;
    }
  }

  private member(channel: string): void {
    if (!channel) throw new SlackApiError('channel_not_found');
    if (this.opts.notMemberOf?.includes(channel)) throw new SlackApiError('not_in_channel');
  }

  private findMessage(channel: string, ts: string): Message {
    const m = this.messages.find((x) => x.channel === channel && x.ts === ts && !x.deleted);
    if (!m) throw new SlackApiError('message_not_found');
    return m;
  }

  private method(method: string, a: Record<string, any>): Record<string, any> {
    switch (method) {
      case 'auth.test':
        return { url: 'https://easel-test.slack.com/', team: 'Easel Test', user: 'easel', team_id: TEAM_ID, user_id: BOT_USER_ID, bot_id: BOT_ID };
      case 'apps.connections.open':
        return { url: `${this.baseUrl.replace('http', 'ws')}socket?ticket=${++this.seq}` };
      case 'chat.postMessage': {
        this.member(a.channel);
        if (a.thread_ts) this.findMessage(a.channel, a.thread_ts);
        const m: Message = { channel: a.channel, team: this.caller.teamId, ts: this.nextTs(), thread_ts: a.thread_ts, user: this.caller.user, bot_id: this.caller.botId, text: a.text ?? '', blocks: a.blocks, metadata: a.metadata, deleted: false, history: [{ text: a.text ?? '', blocks: a.blocks, at: Date.now() }] };
        this.messages.push(m);
        return { channel: m.channel, ts: m.ts, message: { text: m.text, user: m.user, ts: m.ts } };
      }
      case 'chat.update': {
        const m = this.findMessage(a.channel, a.ts);
        if (m.user !== this.caller.user) throw new SlackApiError('cant_update_message');
        m.text = a.text ?? m.text;
        m.blocks = a.blocks;
        if (a.metadata) m.metadata = a.metadata;
        m.history.push({ text: m.text, blocks: m.blocks, at: Date.now() });
        return { channel: m.channel, ts: m.ts, text: m.text };
      }
      case 'chat.delete': {
        const m = this.findMessage(a.channel, a.ts);
        m.deleted = true;
        return { channel: m.channel, ts: m.ts };
      }
      case 'chat.postEphemeral': {
        this.member(a.channel);
        this.ephemerals.push({ channel: a.channel, user: a.user, text: a.text ?? '', thread_ts: a.thread_ts, at: Date.now() });
        return { message_ts: this.nextTs() };
      }
      case 'views.open': {
        if (!a.trigger_id) throw new SlackApiError('invalid_trigger_id');
        const id = `V${++this.seq}`;
        this.views.push({ trigger_id: a.trigger_id, view: a.view, id });
        return { view: { ...a.view, id } };
      }
      case 'users.info':
        if (!a.user) throw new SlackApiError('user_not_found');
        return { user: { id: a.user, team_id: this.caller.teamId ?? TEAM_ID, name: String(a.user).toLowerCase(), is_admin: this.admins.has(a.user), is_owner: false, is_bot: false, ...this.profiles.get(a.user) } };
      case 'conversations.open':
        return { channel: { id: `D${a.users}` } };
      case 'conversations.history': {
        // The channel's top-level messages, newest first (`limit`, default 100).
        this.member(a.channel);
        const limit = Math.min(1000, Math.max(1, Number(a.limit ?? 100)));
        const top = this.messages.filter((m) => m.channel === a.channel && (!m.thread_ts || m.thread_ts === m.ts) && !m.deleted).reverse().slice(0, limit);
        return { messages: top.map((m) => ({ type: 'message', user: m.user, bot_id: m.bot_id, text: m.text, ts: m.ts, ...(m.files ? { files: m.files } : {}) })), has_more: false };
      }
      case 'conversations.replies': {
        const root = this.findMessage(a.channel, a.ts);
        const replies = this.messages.filter((m) => m.channel === a.channel && m.thread_ts === a.ts && m.ts !== a.ts && !m.deleted);
        const withMeta = String(a.include_all_metadata) === 'true';
        return {
          messages: [root, ...replies].map((m) => ({ type: 'message', user: m.user, bot_id: m.bot_id, text: m.text, ts: m.ts, thread_ts: m.thread_ts, ...(m.files ? { files: m.files } : {}), ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) })),
          has_more: false,
        };
      }
      case 'files.info': {
        const hosted = this.hosted.get(a.file);
        if (!hosted) throw new SlackApiError('file_not_found');
        return { file: hosted.file };
      }
      case 'files.getUploadURLExternal': {
        const fileId = `F${String(++this.seq).padStart(8, '0')}`;
        this.pendingUploads.set(fileId, { filename: a.filename, length: Number(a.length) });
        return { upload_url: `${this.baseUrl}upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = (typeof a.files === 'string' ? JSON.parse(a.files) : a.files) as Array<{ id: string; title?: string }>;
        if (a.channel_id) this.member(a.channel_id);
        if (a.channel_id && a.thread_ts) this.findMessage(a.channel_id, a.thread_ts);
        for (const f of files) {
          const pending = this.pendingUploads.get(f.id);
          if (!pending?.bytes) throw new SlackApiError('file_not_found');
          this.pendingUploads.delete(f.id);
          this.uploads.push({ fileId: f.id, filename: pending.filename, title: f.title, bytes: pending.bytes, channel: a.channel_id, threadTs: a.thread_ts, initialComment: a.initial_comment, at: Date.now() });
          if (a.channel_id) {
            // As Slack does: sharing a file posts a message carrying it (the initial comment as its text).
            const url = `${this.baseUrl}files-pri/${this.caller.teamId ?? TEAM_ID}-${f.id}/${encodeURIComponent(pending.filename)}`;
            const file: SlackFileObject = { id: f.id, name: pending.filename, title: f.title ?? pending.filename, mimetype: 'image/png', filetype: 'png', size: pending.bytes.length, url_private: url, url_private_download: `${url}?download=1` };
            const text = a.initial_comment ?? '';
            this.messages.push({ channel: a.channel_id, team: this.caller.teamId, ts: this.nextTs(), thread_ts: a.thread_ts, user: this.caller.user, bot_id: this.caller.botId, text, files: [file], fileShare: true, deleted: false, history: [{ text, at: Date.now() }] });
          }
        }
        return { files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      default:
        throw new SlackApiError('unknown_method');
    }
  }
}

class SlackApiError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Slack methods take form-encoded or JSON bodies; structured fields arrive as JSON strings. */
function parseArgs(contentType: string, raw: Buffer): Record<string, any> {
  if (raw.length === 0) return {};
  const args: Record<string, any> = contentType.includes('application/json') ? JSON.parse(raw.toString('utf8')) : { ...parseQuery(raw.toString('utf8')) };
  for (const key of ['blocks', 'metadata', 'view', 'files', 'attachments']) {
    if (typeof args[key] === 'string') {
      try {
        args[key] = JSON.parse(args[key]);
      } catch {
        // leave as sent
      }
    }
  }
  return args;
}
