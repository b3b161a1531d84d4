/**
 * What a thread "remembers": the style and options a photo posted in it gets painted with (the
 * prompt of a `/stylize <preset>`, or the last result delivered in it).
 *
 * Kept in memory for speed, and written into the metadata of Easel's own message in the thread, so
 * that after a restart (or on another bot process) it is read back with conversations.replies.
 */
import { z } from 'zod';
import { webApi } from '@slack/bolt';
import { RequestOptions, StyleChoice } from '../../requests/style-request.ts';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';
import { describeError } from '../../util/describe-error.ts';

export const METADATA_EVENT_TYPE = 'easel_style';

export const ThreadStyle = z.object({ style: StyleChoice, options: RequestOptions });
export type ThreadStyle = z.infer<typeof ThreadStyle>;

/**
 * Message metadata carrying a thread's style (one JSON string: Slack keeps payload values flat and
 * small) and, on a finished status message, the job it belongs to.
 */
export function styleMetadata(ts: ThreadStyle, jobId?: string): webApi.MessageMetadata {
  return { event_type: METADATA_EVENT_TYPE, event_payload: { easel: JSON.stringify(ts), ...(jobId ? { job_id: jobId } : {}) } };
}

export function parseStyleMetadata(metadata: unknown): ThreadStyle | undefined {
  const m = metadata as { event_type?: string; event_payload?: { easel?: unknown } } | undefined;
  if (m?.event_type !== METADATA_EVENT_TYPE || typeof m.event_payload?.easel !== 'string') return undefined;
  try {
    const parsed = ThreadStyle.safeParse(JSON.parse(m.event_payload.easel));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const MAX_REMEMBERED = 5000;

/** How long a thread's style is kept in Redis (a thread is painted into for weeks at most). */
export const THREAD_STYLE_TTL_S = 30 * 24 * 3600;

export interface SharedThreadStore {
  redis: Redis;
  prefix: string;
  log: Logger;
}

/**
 * The threads this process has seen, shared by every workspace's ThreadStyles (channel ids are
 * unique across Slack). With a shared store the styles are also kept in Redis, so another bot
 * process finds a thread's style without reading the thread (conversations.replies is limited to
 * one call a minute for apps outside the Marketplace).
 */
export class ThreadMemory {
  private readonly memory = new Map<string, ThreadStyle>();

  constructor(private readonly shared?: SharedThreadStore) {}

  private redisKey(key: string): string {
    return `${this.shared!.prefix}:slack:thread:${key}`;
  }

  get(channel: string, threadTs: string): ThreadStyle | undefined {
    return this.memory.get(`${channel}:${threadTs}`);
  }

  /** The style another process remembered (undefined without a shared store, or when none is kept). */
  async load(channel: string, threadTs: string): Promise<ThreadStyle | undefined> {
    if (!this.shared) return undefined;
    const key = `${channel}:${threadTs}`;
    try {
      const raw = await this.shared.redis.get(this.redisKey(key));
      const parsed = raw ? ThreadStyle.safeParse(JSON.parse(raw)) : undefined;
      if (!parsed?.success) return undefined;
      this.keep(key, parsed.data);
      return parsed.data;
    } catch (err) {
      this.shared.log.warn({ channel, threadTs, err: describeError(err) }, 'slack: could not read a thread style from Redis');
      return undefined;
    }
  }

  set(channel: string, threadTs: string, style: ThreadStyle): void {
    const key = `${channel}:${threadTs}`;
    this.keep(key, style);
    const shared = this.shared;
    // In the background: the message that carries the style in its metadata is the fallback.
    shared?.redis.set(this.redisKey(key), JSON.stringify(style), 'EX', THREAD_STYLE_TTL_S).catch((err: unknown) => shared.log.warn({ channel, threadTs, err: describeError(err) }, 'slack: could not keep a thread style in Redis'));
  }

  private keep(key: string, style: ThreadStyle): void {
    this.memory.delete(key);
    this.memory.set(key, style);
    // A Map iterates in insertion order: the first key is the least recently remembered.
    if (this.memory.size > MAX_REMEMBERED) this.memory.delete(this.memory.keys().next().value as string);
  }
}

export class ThreadStyles {
  constructor(
    /** The workspace's client (reads the thread when memory has nothing). */
    private readonly client: webApi.WebClient,
    /** Our own bot's ids in that workspace: only our messages are trusted. */
    private readonly self: () => { botUserId?: string; botId?: string },
    private readonly log: Logger,
    private readonly memory = new ThreadMemory(),
  ) {}

  remember(channel: string, threadTs: string, style: ThreadStyle): void {
    this.memory.set(channel, threadTs, style);
  }

  /** The thread's style, or undefined when the thread is not one of Easel's. */
  async recall(channel: string, threadTs: string): Promise<ThreadStyle | undefined> {
    const known = this.memory.get(channel, threadTs) ?? (await this.memory.load(channel, threadTs));
    if (known) return known;
    try {
      const res = await this.client.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200 });
      const { botUserId, botId } = this.self();
      const mine = (res.messages ?? []).filter((m) => (botUserId !== undefined && m.user === botUserId) || (botId !== undefined && m.bot_id === botId));
      for (const message of mine.reverse()) {
        const style = parseStyleMetadata(message.metadata);
        if (style) {
          this.remember(channel, threadTs, style);
          return style;
        }
      }
    } catch (err) {
      this.log.warn({ channel, threadTs, err: describeError(err) }, 'slack: could not read the thread to find its style');
    }
    return undefined;
  }
}
