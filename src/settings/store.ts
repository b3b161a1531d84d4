/**
 * Per-server settings in Redis (`<prefix>:settings:<platform>:<serverId>`, one JSON value each),
 * cached in the bot so that the intake reads them without a round trip on every request.
 *
 * A change is written to Redis and published on `<prefix>:settings:changed`; every bot process that
 * called `listen()` drops its cached copy at once, so a change takes effect on the next request on any
 * process. The cache also expires on its own (`cacheMs`) in case a message is missed during a Redis
 * blip.
 */
import type { Redis } from 'ioredis';
import { mergeSettings, ServerSettings, type ServerScope, type SettingsPatch } from './schema.ts';

interface Cached {
  settings: ServerSettings;
  at: number;
}

const scopeId = (s: ServerScope) => `${s.platform}:${encodeURIComponent(s.serverId)}`;

export class ServerSettingsStore {
  private readonly cache = new Map<string, Cached>();
  private subscriber?: Redis;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly opts: { cacheMs?: number; now?: () => number } = {},
  ) {}

  private key(scope: ServerScope): string {
    return `${this.prefix}:settings:${scopeId(scope)}`;
  }

  private get channel(): string {
    return `${this.prefix}:settings:changed`;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** The server's settings ({} when none were set). A stored value that no longer parses counts as {}. */
  async get(scope: ServerScope): Promise<ServerSettings> {
    const id = scopeId(scope);
    const hit = this.cache.get(id);
    if (hit && this.now() - hit.at < (this.opts.cacheMs ?? 30_000)) return hit.settings;
    const raw = await this.redis.get(this.key(scope));
    let settings: ServerSettings = {};
    if (raw) {
      try {
        const parsed = ServerSettings.safeParse(JSON.parse(raw));
        if (parsed.success) settings = parsed.data;
      } catch {
        // corrupt value: behave as unset rather than refusing every request of that server
      }
    }
    this.cache.set(id, { settings, at: this.now() });
    return settings;
  }

  /** Apply an admin's change (validated; throws SettingsError) and tell every bot process. */
  async update(scope: ServerScope, patch: SettingsPatch): Promise<ServerSettings> {
    this.cache.delete(scopeId(scope));
    const next = mergeSettings(await this.get(scope), patch);
    await this.redis.set(this.key(scope), JSON.stringify(next));
    this.cache.set(scopeId(scope), { settings: next, at: this.now() });
    await this.redis.publish(this.channel, scopeId(scope));
    return next;
  }

  /** Forget the server's settings (a workspace that removed the app) and tell every bot process. */
  async remove(scope: ServerScope): Promise<void> {
    this.cache.delete(scopeId(scope));
    await this.redis.del(this.key(scope));
    await this.redis.publish(this.channel, scopeId(scope));
  }

  /** Subscribe to changes made by other processes (`subscriber` is a dedicated connection). */
  async listen(subscriber: Redis): Promise<void> {
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, id: string) => {
      if (channel === this.channel) this.cache.delete(id);
    });
    await subscriber.subscribe(this.channel);
  }

  async close(): Promise<void> {
    if (this.subscriber) {
      await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
      this.subscriber.disconnect();
      this.subscriber = undefined;
    }
  }
}
