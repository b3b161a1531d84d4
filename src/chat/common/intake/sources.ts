/**
 * Which hosts a chat file may be fetched from. A file is fetched only from the platform it came
 * from: Discord's CDN and media proxy, Slack's file host — HTTPS on the default port, and only
 * when the name resolves to a public address (checked again at connect time, see fetch.ts).
 *
 * The origin (scheme, host and port) of DISCORD_API_BASE / SLACK_API_URL, when the operator set it
 * to something other than the default, is trusted for that platform's files too: a proxy, or a test
 * double on loopback, then stands in for the CDN. The defaults never widen the list.
 */
import { DEFAULT_DISCORD_API_BASE, DEFAULT_SLACK_API_URL, type Config } from '../../../config.ts';

export type FilePlatform = 'discord' | 'slack';

/**
 * Discord: attachments live on cdn.discordapp.com / media.discordapp.net. Embeds are fetched only
 * through Discord's own proxy (`proxy_url`, images-ext-N.discordapp.net), never from the URL a
 * webhook or bot wrote into the embed.
 */
export const DISCORD_FILE_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net', 'images-ext-1.discordapp.net', 'images-ext-2.discordapp.net'] as const;
/** Slack: `url_private` of files users share, on Slack's file host. */
export const SLACK_FILE_HOSTS = ['files.slack.com'] as const;

export interface SourcePolicy {
  platform: FilePlatform;
  /** Host names served over HTTPS on port 443, fetched only when they resolve to public addresses. */
  hosts: ReadonlySet<string>;
  /** Exact origins the operator configured (a proxy or a fake), trusted as they are. */
  origins: ReadonlySet<string>;
}

export type SourceVerdict = { ok: true; url: URL; publicOnly: boolean } | { ok: false; reason: 'bad-url' | 'not-https' | 'untrusted-host' };

function configuredOrigin(value: string | undefined, defaultValue: string): string[] {
  if (!value || value.replace(/\/+$/, '') === defaultValue.replace(/\/+$/, '')) return [];
  return [new URL(value).origin];
}

/** The file sources each platform may use under this configuration. */
export function sourcePolicies(config: Pick<Config, 'discord' | 'slack' | 'slackDistribution'>): Record<FilePlatform, SourcePolicy> {
  return {
    discord: { platform: 'discord', hosts: new Set(DISCORD_FILE_HOSTS), origins: new Set(configuredOrigin(config.discord?.apiBase, DEFAULT_DISCORD_API_BASE)) },
    slack: { platform: 'slack', hosts: new Set(SLACK_FILE_HOSTS), origins: new Set(configuredOrigin(config.slack?.apiUrl ?? config.slackDistribution?.apiUrl, DEFAULT_SLACK_API_URL)) },
  };
}

/** May `raw` be fetched under `policy`? Pure: no DNS, no connection. */
export function checkSource(raw: string | URL, policy: SourcePolicy): SourceVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'bad-url' };
  }
  if (url.username || url.password) return { ok: false, reason: 'bad-url' };
  if (policy.origins.has(url.origin)) return { ok: true, url, publicOnly: false };
  if (url.protocol !== 'https:') return { ok: false, reason: 'not-https' };
  if (url.port !== '' || !policy.hosts.has(url.hostname.toLowerCase())) return { ok: false, reason: 'untrusted-host' };
  return { ok: true, url, publicOnly: true };
}
