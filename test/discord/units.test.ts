/**
 * The adapter's pure parts and small helpers: the capped download,
 * custom ids, token expiry, "Higher quality" and attachment checks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadWithCap, DownloadError } from '../../src/chat/common/download.ts';
import { ERROR_TEXT } from '../../src/chat/common/text.ts';
import { decodeCustomId, encodeCustomId } from '../../src/chat/discord/custom-ids.ts';
import { checkAttachment } from '../../src/chat/discord/photos.ts';
import { higherQuality } from '../../src/chat/discord/recipe.ts';
import { tokenUsable, type DiscordReplyTo } from '../../src/chat/discord/reply-to.ts';
import { loadConfig } from '../../src/config.ts';

describe('downloadWithCap', () => {
  let server: http.Server;
  let base = '';
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url?.startsWith('/ok')) return void res.end(Buffer.alloc(1000, 7));
      if (req.url?.startsWith('/declared-big')) {
        res.writeHead(200, { 'content-length': '5000' });
        return void res.end(Buffer.alloc(5000));
      }
      if (req.url?.startsWith('/streamed-big')) {
        // No content-length: the cap must be enforced while reading.
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        let n = 0;
        const timer = setInterval(() => {
          res.write(Buffer.alloc(1000));
          if (++n === 10) {
            clearInterval(timer);
            res.end();
          }
        }, 5);
        return;
      }
      if (req.url?.startsWith('/hang')) return; // never answers
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e) => (e instanceof DownloadError ? e.code : `other: ${e}`));

  it('fetches the URL exactly as given, query included', async () => {
    const bytes = await downloadWithCap(`${base}/ok/photo.jpg?ex=65f&is=65e&hm=abc%3D`, { maxBytes: 2000, timeoutMs: 2000 });
    expect(bytes.length).toBe(1000);
    expect(seen.at(-1)).toBe('/ok/photo.jpg?ex=65f&is=65e&hm=abc%3D');
  });

  it('refuses too big (declared or streamed), a timeout and an HTTP error, each with its code', async () => {
    expect(await code(downloadWithCap(`${base}/declared-big`, { maxBytes: 2000, timeoutMs: 2000 }))).toBe('too-big');
    expect(await code(downloadWithCap(`${base}/streamed-big`, { maxBytes: 2500, timeoutMs: 2000 }))).toBe('too-big');
    expect(await code(downloadWithCap(`${base}/hang`, { maxBytes: 2000, timeoutMs: 200 }))).toBe('timeout');
    expect(await code(downloadWithCap(`${base}/missing`, { maxBytes: 2000, timeoutMs: 2000 }))).toBe('http');
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
  const att = (o: Partial<{ name: string; size: number; contentType: string | null }>) => ({ url: 'http://x/y', name: 'p.jpg', size: 1000, contentType: 'image/jpeg', ...o });
  it('accepts images by content type or extension and refuses the rest before any download', () => {
    expect(checkAttachment(att({}), limits)).toBeUndefined();
    expect(checkAttachment(att({ contentType: null, name: 'IMG_1.HEIC' }), limits)).toBeUndefined();
    expect(checkAttachment(null, limits)).toBe(ERROR_TEXT.noPhoto);
    expect(checkAttachment(att({ contentType: 'application/pdf', name: 'a.pdf' }), limits)).toBe(ERROR_TEXT.notAnImage);
    expect(checkAttachment(att({ contentType: null, name: 'notes.txt' }), limits)).toBe(ERROR_TEXT.notAnImage);
    expect(checkAttachment(att({ size: 3 * 1024 * 1024 }), limits)).toBe(ERROR_TEXT.tooBig(2));
  });
});
