/**
 * Per-server settings: what the people who run a Discord server or a Slack workspace may choose for
 * their community. Platform-neutral — a "server" is a Discord guild or a Slack workspace (team).
 *
 * Everything is optional: an unset field means "the deployment's default" (EASEL_* settings).
 */
import { z } from 'zod';
import { QUALITIES } from '../config.ts';
import { WORDING } from '../requests/wording.ts';

export const ServerSettings = z.object({
  /** Quality used when a request names none. */
  defaultQuality: z.enum(QUALITIES).optional(),
  /** Output's longest side when a request names none. */
  defaultSize: z.number().int().min(64).max(4096).optional(),
  /** Largest output a member may ask for (never above the deployment's EASEL_MAX_SIZE). */
  maxSize: z.number().int().min(64).max(4096).optional(),
  /** Channel ids where Easel answers; absent = every channel. */
  channels: z.array(z.string().min(1).max(100)).min(1).max(200).optional(),
  /** Requests per member per UTC day; absent = no daily quota. */
  dailyQuota: z.number().int().min(1).max(100_000).optional(),
  /** Whether members may upload their own style image (presets are always allowed). */
  allowStyleUploads: z.boolean().optional(),
});
export type ServerSettings = z.infer<typeof ServerSettings>;

/** Which server a request belongs to. `serverId` is the guild id or Slack team id. */
export interface ServerScope {
  platform: string;
  serverId: string;
}

/** A change an admin asked for: a value sets a field, `null` resets it to the deployment default. */
export type SettingsPatch = { [K in keyof ServerSettings]?: ServerSettings[K] | null };

/** Apply a patch; the result is validated again (e.g. defaultSize above maxSize is refused). */
export function mergeSettings(current: ServerSettings, patch: SettingsPatch): ServerSettings {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else if (v !== undefined) next[k] = v;
  }
  const parsed = ServerSettings.parse(next);
  if (parsed.defaultSize !== undefined && parsed.maxSize !== undefined && parsed.defaultSize > parsed.maxSize) {
    throw new SettingsError(WORDING.defaultSizeOverMax(parsed.defaultSize, parsed.maxSize));
  }
  return parsed;
}

/** A settings change that cannot be applied; the message (from WORDING) is shown to the admin as-is. */
export class SettingsError extends Error {
  constructor(userMessage: string) {
    super(userMessage);
    this.name = 'SettingsError';
  }
}
