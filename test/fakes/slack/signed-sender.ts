/**
 * Plays Slack's side of the HTTP request URL: slash commands (form-encoded), Events API callbacks
 * (JSON, with retries marked by x-slack-retry-num) and interactions (form field `payload`), each
 * signed with the signing secret the way Slack signs them (v0 HMAC-SHA256 of `v0:<ts>:<body>`).
 * The envelope builders are shared with Socket Mode, where the same payloads travel in envelopes.
 */
import { createHmac } from 'node:crypto';
import { APP_ID, TEAM_ID } from './fake-slack.ts';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(++counter).toString(36)}`;

/** `teamId`: the workspace the event happened in (distribution mode; default the single workspace). */
export function eventEnvelope(event: any, eventId = unique('Ev'), teamId = TEAM_ID): any {
  const botUser = teamId === TEAM_ID ? 'U0EASELBOT' : `U${teamId}BOT`;
  return { token: 'deprecated-verification-token', team_id: teamId, api_app_id: APP_ID, event, type: 'event_callback', event_id: eventId, event_time: Math.floor(Date.now() / 1000), authorizations: [{ team_id: teamId, user_id: botUser, is_bot: true }] };
}

export interface CommandInput {
  text?: string;
  user_id: string;
  channel_id: string;
  command?: string;
  trigger_id?: string;
  response_url?: string;
  /** The workspace the command was run in (default TEAM_ID) and, on Enterprise Grid, its org. */
  team_id?: string;
  enterprise_id?: string;
}

export function commandPayload(c: CommandInput): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: c.team_id ?? TEAM_ID,
    ...(c.enterprise_id ? { enterprise_id: c.enterprise_id } : {}),
    team_domain: 'easel-test',
    channel_id: c.channel_id,
    channel_name: 'general',
    user_id: c.user_id,
    user_name: c.user_id.toLowerCase(),
    command: c.command ?? '/stylize',
    text: c.text ?? '',
    api_app_id: APP_ID,
    response_url: c.response_url ?? 'http://127.0.0.1:1/unused',
    trigger_id: c.trigger_id ?? unique('trigger.'),
  };
}

export function buttonPayload(p: { user: string; channel: string; messageTs: string; threadTs?: string; actionId: string; value: string }): any {
  return {
    type: 'block_actions',
    team: { id: TEAM_ID, domain: 'easel-test' },
    user: { id: p.user, username: p.user.toLowerCase(), name: p.user.toLowerCase(), team_id: TEAM_ID },
    api_app_id: APP_ID,
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: p.messageTs, channel_id: p.channel, is_ephemeral: false },
    trigger_id: unique('trigger.'),
    channel: { id: p.channel, name: 'general' },
    message: { type: 'message', ts: p.messageTs, ...(p.threadTs ? { thread_ts: p.threadTs } : {}), text: '' },
    response_url: 'http://127.0.0.1:1/unused',
    actions: [{ type: 'button', action_id: p.actionId, block_id: 'b', value: p.value, action_ts: `${Date.now() / 1000}`, text: { type: 'plain_text', text: 'x' } }],
  };
}

/** A choice in a static select of a message's actions block (`blockId`: the block the select is in). */
export function selectPayload(p: { user: string; channel: string; messageTs: string; threadTs?: string; actionId: string; blockId: string; value: string }): any {
  const click = buttonPayload({ ...p, value: '' });
  click.actions = [{ type: 'static_select', action_id: p.actionId, block_id: p.blockId, selected_option: { text: { type: 'plain_text', text: p.value }, value: p.value }, action_ts: `${Date.now() / 1000}` }];
  return click;
}

export function viewSubmissionPayload(p: { user: string; view: any; values: Record<string, Record<string, any>>; viewId?: string }): any {
  return {
    type: 'view_submission',
    team: { id: TEAM_ID, domain: 'easel-test' },
    user: { id: p.user, username: p.user.toLowerCase(), name: p.user.toLowerCase(), team_id: TEAM_ID },
    api_app_id: APP_ID,
    token: 'deprecated-verification-token',
    trigger_id: unique('trigger.'),
    view: {
      ...p.view,
      id: p.viewId ?? unique('V'),
      team_id: TEAM_ID,
      app_id: APP_ID,
      bot_id: 'B0EASEL',
      state: { values: p.values },
      hash: unique('h'),
      root_view_id: null,
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
    },
    response_urls: [],
  };
}

export interface SendOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Replace the signature (a forgery). */
  signature?: string;
  retryNum?: number;
}

export class SignedSender {
  constructor(
    private readonly url: string,
    private readonly signingSecret: string,
  ) {}

  async post(body: string, contentType: string, opts: SendOptions = {}): Promise<{ status: number; text: string; json?: any }> {
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? slackSignature(this.signingSecret, timestamp, body),
    };
    if (opts.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const res = await fetch(this.url, { method: 'POST', headers, body });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }

  command(c: CommandInput, opts?: SendOptions) {
    return this.post(new URLSearchParams(commandPayload(c)).toString(), 'application/x-www-form-urlencoded', opts);
  }

  /** Deliver one event (an event_callback envelope); returns the envelope's event_id too. */
  async event(event: any, opts: SendOptions & { eventId?: string; teamId?: string } = {}) {
    const envelope = eventEnvelope(event, opts.eventId, opts.teamId);
    const res = await this.post(JSON.stringify(envelope), 'application/json', opts);
    return { ...res, eventId: envelope.event_id as string };
  }

  interaction(payload: any, opts?: SendOptions) {
    return this.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded', opts);
  }
}
