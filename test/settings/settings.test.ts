import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { testRedis, type TestRedis } from '../helpers/redis.ts';
import {
  applyServerSettings,
  usesOwnStyleImage,
  DailyQuota,
  describeSettings,
  mergeSettings,
  parseSettingsPatch,
  ServerSettingsStore,
  SettingsError,
  splitPairs,
} from '../../src/settings/index.ts';

describe('settings parsing', () => {
  it('parses what an admin types into a patch', () => {
    const patch = parseSettingsPatch(splitPairs('quality=draft size=512px max-size=1024 channels=C1,C2,C1 quota=20 uploads=off'));
    expect(patch).toEqual({ defaultQuality: 'draft', defaultSize: 512, maxSize: 1024, channels: ['C1', 'C2'], dailyQuota: 20, allowStyleUploads: false });
  });

  it('resets with default / all / off', () => {
    expect(parseSettingsPatch(splitPairs('quality=default channels=all quota=off'))).toEqual({ defaultQuality: null, channels: null, dailyQuota: null });
  });

  it('turns channel mentions into ids through the adapter’s function', () => {
    const fromMention = (s: string) => /^<#(\w+)(\|[^>]*)?>$/.exec(s)?.[1];
    expect(parseSettingsPatch([['channels', '<#C9|art>,<#C7>']], fromMention)).toEqual({ channels: ['C9', 'C7'] });
    expect(() => parseSettingsPatch([['channels', 'general']], fromMention)).toThrow(/isn't a channel/);
  });

  it.each([
    ['quality=ultra', /quality must be one of/],
    ['size=12', /64 to 4096/],
    ['quota=-1', /whole number/],
    ['uploads=maybe', /on or off/],
    ['colour=red', /Unknown setting/],
    ['quality', /name=value/],
    ['', /Nothing to change/],
  ])('refuses %s with a message for the admin', (text, message) => {
    expect(() => parseSettingsPatch(splitPairs(text))).toThrow(message);
  });

  it('refuses a default size above the largest size', () => {
    expect(() => mergeSettings({ maxSize: 512 }, { defaultSize: 1024 })).toThrow(SettingsError);
    expect(mergeSettings({ maxSize: 512, defaultSize: 256 }, { maxSize: null })).toEqual({ defaultSize: 256 });
  });
});

describe('settings policy', () => {
  it('checks channel and uploads (defaults and the largest size are resolveRequest\'s, test/requests/resolve.test.ts)', () => {
    const s = { defaultQuality: 'draft' as const, defaultSize: 384, maxSize: 512, channels: ['C1'], allowStyleUploads: false };
    expect(applyServerSettings(s, { channelId: 'C1', ownStyleImage: false })).toEqual({ ok: true });
    expect(applyServerSettings(s, { channelId: 'C2', ownStyleImage: false })).toEqual({ ok: false, code: 'channel-not-allowed' });
    expect(applyServerSettings(s, { channelId: 'C1', ownStyleImage: true })).toEqual({ ok: false, code: 'style-uploads-off' });
    expect(applyServerSettings({}, { ownStyleImage: true })).toEqual({ ok: true });
  });

  it('counts a stored style image (a follow-up reusing it) as an own style image, like a new upload', () => {
    expect(usesOwnStyleImage({ kind: 'preset' })).toBe(false);
    expect(usesOwnStyleImage({ kind: 'image' })).toBe(true); // uploaded with this request
    expect(usesOwnStyleImage({ kind: 'images' })).toBe(true); // stored from an earlier one
  });

  it('describes settings with the deployment defaults where unset', () => {
    const lines = describeSettings({ dailyQuota: 5 }, { defaultSize: 512, maxSize: 1024, defaultQuality: 'balanced' });
    expect(lines.join('\n')).toMatch(/Default quality: balanced \(Easel's default\)/);
    expect(lines.join('\n')).toMatch(/Daily quota per member: 5 pictures/);
    expect(lines.join('\n')).toMatch(/Channels: all/);
  });
});

describe('settings store and daily quota (real Redis)', () => {
  let r: TestRedis;
  const extra: Redis[] = [];
  beforeAll(async () => {
    r = await testRedis('settings');
  });
  afterAll(async () => {
    for (const c of extra) c.disconnect();
    await r.cleanup();
  });

  it('stores per server, and a change made by one process reaches another’s cache at once', async () => {
    const a = new ServerSettingsStore(r.redis, r.prefix, { cacheMs: 60_000 });
    const otherClient = new Redis(r.url);
    const subscriber = new Redis(r.url);
    extra.push(otherClient);
    const b = new ServerSettingsStore(otherClient, r.prefix, { cacheMs: 60_000 });
    await b.listen(subscriber);
    const guild = { platform: 'discord', serverId: 'G1' };
    expect(await b.get(guild)).toEqual({}); // cached as empty for a minute…
    await a.update(guild, { defaultQuality: 'draft' });
    // …but the published change drops b's copy.
    await expect.poll(() => b.get(guild), { timeout: 2000 }).toEqual({ defaultQuality: 'draft' });
    // Another platform's server with the same id is another server.
    expect(await a.get({ platform: 'slack', serverId: 'G1' })).toEqual({});
    await b.close();
  });

  it('treats a corrupt stored value as unset', async () => {
    const store = new ServerSettingsStore(r.redis, r.prefix);
    await r.redis.set(`${r.prefix}:settings:slack:T-bad`, '{not json');
    expect(await store.get({ platform: 'slack', serverId: 'T-bad' })).toEqual({});
  });

  it('counts a daily quota atomically, gives back, and resets the next UTC day', async () => {
    const quota = new DailyQuota(r.redis, r.prefix);
    const scope = { platform: 'slack', serverId: 'T1' };
    const day1 = Date.UTC(2026, 10, 29, 23, 0, 0);
    const results = await Promise.all(Array.from({ length: 5 }, () => quota.take(scope, 'U1', 3, day1)));
    expect(results.filter((v) => v.ok)).toHaveLength(3);
    const refused = results.find((v) => !v.ok);
    expect(refused).toEqual({ ok: false, code: 'daily-quota', retryAfterMs: 3_600_000 });
    await quota.giveBack(scope, 'U1', day1);
    expect((await quota.take(scope, 'U1', 3, day1)).ok).toBe(true);
    expect((await quota.take(scope, 'U2', 3, day1)).ok).toBe(true); // another member
    expect((await quota.take(scope, 'U1', 3, day1 + 3_600_000)).ok).toBe(true); // the next day
  });
});
