/** Per-server settings: schema, parsing of admins' changes, the Redis store, the policy, daily quotas. */
export { ServerSettings, SettingsError, mergeSettings, type ServerScope, type SettingsPatch } from './schema.ts';
export { parseSettingsPatch, splitPairs, SETTING_KEYS, type SettingKey } from './parse.ts';
export { ServerSettingsStore } from './store.ts';
export { applyServerSettings, describeSettings, usesOwnStyleImage, type PolicyVerdict, type RequestShape } from './policy.ts';
export { DailyQuota, type QuotaVerdict } from './daily-quota.ts';
