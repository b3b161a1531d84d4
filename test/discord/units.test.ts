/**
 * The adapter's pure parts and small helpers: the coalescing edit throttle (the capped download is in test/chat/intake-fetch.test.ts),
 * custom ids, token expiry, "Higher quality" and attachment checks.
 */
import { describe, expect, it } from 'vitest';
import { createEditThrottle } from '../../src/chat/common/edit-throttle.ts';
import { remoteProblem } from '../../src/chat/common/intake/index.ts';
import { ERROR_TEXT } from '../../src/chat/common/text.ts';
import { decodeCustomId, encodeCustomId } from '../../src/chat/discord/custom-ids.ts';
import { remoteImage } from '../../src/chat/discord/photos.ts';
import { higherQuality } from '../../src/chat/discord/recipe.ts';
import { tokenUsable, type DiscordReplyTo } from '../../src/chat/discord/reply-to.ts';
import { loadConfig } from '../../src/config.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Poll until `cond` holds (generous: the CI machine is shared), then let assertions speak. */
async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await sleep(10);
}

describe('edit throttle', () => {
  it('sends the first state at once, then only the newest, spaced by the interval', async () => {
    const sent: { state: number; at: number }[] = [];
    const t = createEditThrottle<number>({ minIntervalMs: 150, send: async (_k, state) => void sent.push({ state, at: Date.now() }) });
    for (let i = 1; i <= 10; i++) t.update('m', i);
    await until(() => sent.length >= 2);
    await sleep(200);
    expect(sent.map((s) => s.state)).toEqual([1, 10]);
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(145);
  });

  it('keeps one edit in flight; what arrives meanwhile collapses into one edit after it', async () => {
    const sent: number[] = [];
    let release!: () => void;
    const t = createEditThrottle<number>({
      minIntervalMs: 50,
      // The first edit hangs like a request waiting out a 429.
      send: (_k, state) => (sent.push(state), state === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve()),
    });
    t.update('m', 1);
    for (let i = 2; i <= 6; i++) t.update('m', i);
    await sleep(200);
    expect(sent).toEqual([1]);
    release();
    await until(() => sent.length >= 2);
    await sleep(100);
    expect(sent).toEqual([1, 6]);
  });

  it('runs the final edit after the one in flight, drops pending progress, ignores late updates', async () => {
    const log: string[] = [];
    const t = createEditThrottle<string>({
      minIntervalMs: 50,
      send: async (_k, s) => {
        await sleep(80);
        log.push(s);
      },
    });
    t.update('m', 'p1');
    t.update('m', 'p2'); // pending while p1 is in flight: must never be sent
    await t.finish('m', async () => void log.push('final'));
    t.update('m', 'late progress');
    await sleep(150);
    expect(log).toEqual(['p1', 'final']);
  });

  it('skips a state equal to the last one sent and keeps messages independent', async () => {
    const sent: string[] = [];
    const t = createEditThrottle<string>({ minIntervalMs: 30, send: async (k, s) => void sent.push(`${k}:${s}`) });
    t.update('a', 'x');
    t.update('b', 'x');
    await until(() => sent.length === 2);
    t.update('a', 'x');
    t.update('b', 'y');
    await until(() => sent.length === 3);
    await sleep(100);
    expect(sent).toEqual(['a:x', 'b:x', 'b:y']);
  });

  it('reports a failed edit and carries on', async () => {
    const errors: unknown[] = [];
    const sent: number[] = [];
    const t = createEditThrottle<number>({
      minIntervalMs: 20,
      send: async (_k, s) => {
        if (s === 1) throw new Error('boom');
        sent.push(s);
      },
      onError: (_k, e) => errors.push(e),
    });
    t.update('m', 1);
    await until(() => errors.length === 1);
    t.update('m', 2);
    await until(() => sent.length === 1);
    expect(errors).toHaveLength(1);
    expect(sent).toEqual([2]);
  });
});

describe('custom ids', () => {
  it('round-trip and fit Discord’s 100 characters with real job ids and blob keys', () => {
    const cancel = { action: 'cancel', jobId: `discord-${'f'.repeat(32)}`, ownerId: '123456789012345678' } as const;
    const another = { action: 'another', recipeKey: 'e'.repeat(64) } as const;
    for (const a of [cancel, another]) {
      const id = encodeCustomId(a);
      expect(id.length).toBeLessThanOrEqual(100);
      expect(decodeCustomId(id)).toEqual(a);
    }
    expect(decodeCustomId('someone-else:thing')).toBeUndefined();
    expect(() => encodeCustomId({ action: 'hq', recipeKey: 'x'.repeat(120) })).toThrow(/too long/);
  });
});

describe('interaction tokens', () => {
  const r: DiscordReplyTo = { kind: 'interaction', applicationId: '1', interactionToken: 't', interactionCreatedAt: 1_000_000, channelId: '2', statusMessageId: '3', userId: '4', useThread: false };
  it('are used until shortly before Discord’s 15 minutes, never after', () => {
    expect(tokenUsable(r, 1_000_000 + 60_000)).toBe(true);
    expect(tokenUsable(r, 1_000_000 + 14 * 60_000)).toBe(true);
    expect(tokenUsable(r, 1_000_000 + 14 * 60_000 + 45_000)).toBe(false);
    expect(tokenUsable(r, 1_000_000 + 16 * 60_000)).toBe(false);
    expect(tokenUsable({ ...r, kind: 'message', interactionToken: undefined }, 1_000_000)).toBe(false);
  });
});

describe('"Higher quality"', () => {
  const defaults = { quality: 'balanced' as const, size: 512, maxSize: 1024 };
  it('steps up one tier, then the size, then offers nothing', () => {
    expect(higherQuality({ quality: 'fast', iterations: 10 }, defaults)).toEqual({ quality: 'draft' });
    expect(higherQuality({}, defaults)).toEqual({ quality: 'best' });
    expect(higherQuality({ quality: 'best' }, defaults)).toEqual({ quality: 'best', size: 768 });
    expect(higherQuality({ quality: 'best', size: 900 }, defaults)).toEqual({ quality: 'best', size: 1024 });
    expect(higherQuality({ quality: 'best', size: 1024 }, defaults)).toBeUndefined();
  });
});

describe('attachment metadata checks', () => {
  const limits = loadConfig({ EASEL_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) }).limits;
  const att = (o: Partial<{ name: string; size: number; contentType: string | null }>) => remoteImage({ url: 'http://x/y', name: 'p.jpg', size: 1000, contentType: 'image/jpeg', ...o });
  it('accepts images by content type or extension and refuses the rest before any download', () => {
    expect(remoteProblem(att({}), limits)).toBeUndefined();
    expect(remoteProblem(att({ contentType: null, name: 'IMG_1.HEIC' }), limits)).toBeUndefined();
    expect(remoteProblem(undefined, limits)).toBe(ERROR_TEXT.noPhoto);
    expect(remoteProblem(att({ contentType: 'application/pdf', name: 'a.pdf' }), limits)).toBe(ERROR_TEXT.notAnImage);
    expect(remoteProblem(att({ contentType: null, name: 'notes.txt' }), limits)).toBe(ERROR_TEXT.notAnImage);
    expect(remoteProblem(att({ size: 3 * 1024 * 1024 }), limits)).toBe('That file is too big — the limit is 2 MB.');
  });
});
