/**
 * Settings changes as people type them — `quality=draft size=512 max-size=1024 channels=all quota=20
 * uploads=off` on Slack, or Discord's typed options turned into the same key → text pairs — parsed once,
 * here, into a SettingsPatch. `default` (or `reset`) as a value puts a field back to the deployment's
 * default. Errors name the key and what it accepts, in words meant for the admin.
 */
import { QUALITIES } from '../config.ts';
import { WORDING } from '../requests/wording.ts';
import { SettingsError, type ServerSettings, type SettingsPatch } from './schema.ts';

/** The names people type, mapped to fields. Published wording: keep them stable. */
export const SETTING_KEYS = {
  quality: 'defaultQuality',
  size: 'defaultSize',
  'max-size': 'maxSize',
  channels: 'channels',
  quota: 'dailyQuota',
  uploads: 'allowStyleUploads',
} as const satisfies Record<string, keyof ServerSettings>;
export type SettingKey = keyof typeof SETTING_KEYS;

/** The sizes (px) an admin may set as a server's default or largest size. */
const MIN_SIZE = 64;
const MAX_SIZE = 4096;
const RESET = new Set(['default', 'reset']);
const ON = new Set(['on', 'yes', 'true', 'allow', 'allowed']);
const OFF = new Set(['off', 'no', 'false', 'deny', 'forbid']);

/** `a=b c=d` → [['a','b'], ['c','d']]; a bare word is an error (the admin probably forgot "="). */
export function splitPairs(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new SettingsError(WORDING.settingNotAPair(word));
    pairs.push([word.slice(0, eq).toLowerCase(), word.slice(eq + 1)]);
  }
  return pairs;
}

/**
 * Parse key → value texts into a patch. `channelId` turns what was typed for a channel (an id or the
 * platform's mention syntax) into an id, or undefined when it isn't one.
 */
export function parseSettingsPatch(pairs: Iterable<[string, string]>, channelId: (typed: string) => string | undefined = (s) => s): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const [rawKey, rawValue] of pairs) {
    const key = rawKey.toLowerCase() as SettingKey;
    const field = SETTING_KEYS[key];
    if (!field) throw new SettingsError(WORDING.unknownSetting(rawKey, Object.keys(SETTING_KEYS)));
    const value = rawValue.trim();
    if (RESET.has(value.toLowerCase())) {
      patch[field] = null;
      continue;
    }
    patch[field] = parseValue(key, value, channelId);
  }
  if (Object.keys(patch).length === 0) throw new SettingsError(WORDING.nothingToChange(Object.keys(SETTING_KEYS)));
  return patch as SettingsPatch;
}

function parseValue(key: SettingKey, value: string, channelId: (typed: string) => string | undefined): unknown {
  switch (key) {
    case 'quality': {
      const q = value.toLowerCase();
      if (!(QUALITIES as readonly string[]).includes(q)) throw new SettingsError(WORDING.settingNotOneOf(key, QUALITIES));
      return q;
    }
    case 'size':
    case 'max-size': {
      const n = Number(value.replace(/px$/i, ''));
      if (!Number.isInteger(n) || n < MIN_SIZE || n > MAX_SIZE) throw new SettingsError(WORDING.settingNotPixels(key, MIN_SIZE, MAX_SIZE));
      return n;
    }
    case 'quota': {
      if (['off', 'none', 'unlimited'].includes(value.toLowerCase())) return null;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new SettingsError(WORDING.settingNotQuota);
      return n;
    }
    case 'uploads': {
      const v = value.toLowerCase();
      if (ON.has(v)) return true;
      if (OFF.has(v)) return false;
      throw new SettingsError(WORDING.settingNotOnOff(key));
    }
    case 'channels': {
      if (value.toLowerCase() === 'all') return null;
      const ids = value.split(',').map((s) => s.trim()).filter(Boolean).map((typed) => {
        const id = channelId(typed);
        if (!id) throw new SettingsError(WORDING.settingNotAChannel(typed));
        return id;
      });
      if (ids.length === 0) throw new SettingsError(WORDING.settingNoChannels);
      return [...new Set(ids)];
    }
  }
}
