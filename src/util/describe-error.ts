/**
 * The one error describer: every error from a platform client (discord.js, Bolt's WebClient),
 * Redis or anything else is reduced to this safe shape before it reaches a log line.
 *
 * Client errors carry far more than is safe to log: a DiscordAPIError's `url` holds the
 * interaction token (`/webhooks/<app>/<token>/…`) and its `requestBody` the uploaded image bytes;
 * a Slack WebAPI error carries the request's headers (bot token). Only method, route (tokens cut
 * out), status and the platform's error code survive, plus a message scrubbed the same way.
 * Duck-typed on purpose: this module is used by layers that must not import a chat library.
 */

export interface SafeError {
  name: string;
  message: string;
  method?: string;
  /** The request path with tokens replaced by `:token` and without its query string. */
  route?: string;
  status?: number;
  code?: string | number;
}

const MAX_MESSAGE = 300;

/** Path segments after these are secrets (interaction / webhook tokens). */
const TOKEN_ROUTES = /\/(webhooks|interactions)\/(\d+)\/[^/?\s]+/g;
/** Slack tokens (bot, app, user, config) wherever they appear in text. */
const SLACK_TOKENS = /\bxox[abposr]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+/g;

/** A URL or path with every token cut out and no query string (signed CDN URLs, tokens in queries). */
export function safeRoute(urlOrPath: string): string {
  let path: string;
  try {
    path = new URL(urlOrPath).pathname;
  } catch {
    path = urlOrPath.split('?', 1)[0];
  }
  return scrub(path.replace(/^\/api(\/v\d+)?/, ''));
}

/** Remove tokens from free text (error messages sometimes quote the URL they failed on). */
export function scrub(text: string): string {
  return text
    .replace(/https?:\/\/[^\s'"]+/g, (url) => safeRoute(url))
    .replace(TOKEN_ROUTES, '/$1/$2/:token')
    .replace(SLACK_TOKENS, '[token]');
}

export function describeError(err: unknown): SafeError {
  if (typeof err !== 'object' || err === null) return { name: 'unknown', message: scrub(String(err)).slice(0, MAX_MESSAGE) };
  const e = err as Record<string, unknown>;
  const out: SafeError = {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: scrub(typeof e.message === 'string' ? e.message : String(err)).slice(0, MAX_MESSAGE),
  };
  if (typeof e.method === 'string') out.method = e.method.toUpperCase();
  if (typeof e.url === 'string') out.route = safeRoute(e.url);
  if (typeof e.status === 'number') out.status = e.status;
  // discord.js: `code` is Discord's JSON error code; Slack: `code` is the client's error kind and
  // `data.error` the API's code (not_in_channel…); Node: ECONNRESET and friends.
  const slackApiCode = (e.data as { error?: unknown } | undefined)?.error;
  if (typeof slackApiCode === 'string') out.code = slackApiCode;
  else if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  const statusCode = e.statusCode;
  if (out.status === undefined && typeof statusCode === 'number') out.status = statusCode;
  return out;
}
