/**
 * What a server's settings mean for one request — a pure function, applied by the intake to the
 * effective request of every entry point (a follow-up's stored style included), before any byte is
 * downloaded: is Easel allowed in this channel, and may this member upload a style image. The
 * server's default quality and size and its largest size are applied with every other limit, once,
 * by resolveRequest (src/requests/resolve.ts).
 */
import type { Quality } from '../config.ts';
import { WORDING } from '../requests/wording.ts';
import type { ServerSettings } from './schema.ts';

export interface RequestShape {
  channelId?: string;
  /** The request paints with a member's own image, new or stored (usesOwnStyleImage). */
  ownStyleImage: boolean;
}

export type PolicyVerdict = { ok: true } | { ok: false; code: 'channel-not-allowed' | 'style-uploads-off' };

/**
 * Whether a request paints with a member's own style image — one uploaded with it (`image`) or one
 * stored from an earlier request and reused by a follow-up (`images`: Reroll, Stronger, Higher
 * quality, a reply or a thread photo on such a result). The policy looks at the style the job will
 * paint with, not at what was uploaded just now: anything but a preset counts.
 */
export function usesOwnStyleImage(style: { kind: string }): boolean {
  return style.kind !== 'preset';
}

export function applyServerSettings(settings: ServerSettings, req: RequestShape): PolicyVerdict {
  if (settings.channels && (!req.channelId || !settings.channels.includes(req.channelId))) {
    return { ok: false, code: 'channel-not-allowed' };
  }
  if (req.ownStyleImage && settings.allowStyleUploads === false) return { ok: false, code: 'style-uploads-off' };
  return { ok: true };
}

/** Lines for `/easel-settings show` (platform-neutral; adapters add their own formatting). */
export function describeSettings(s: ServerSettings, deployment: { defaultSize: number; maxSize: number; defaultQuality: Quality }, channelName: (id: string) => string = (id) => id): string[] {
  return WORDING.settingsLines({
    quality: s.defaultQuality ?? deployment.defaultQuality,
    qualityIsEasels: s.defaultQuality === undefined,
    size: s.defaultSize ?? deployment.defaultSize,
    sizeIsEasels: s.defaultSize === undefined,
    maxSize: s.maxSize !== undefined ? Math.min(s.maxSize, deployment.maxSize) : deployment.maxSize,
    maxSizeIsEasels: s.maxSize === undefined,
    channels: s.channels?.map(channelName),
    dailyQuota: s.dailyQuota,
    uploads: s.allowStyleUploads !== false,
  });
}
