/**
 * The adapter's pure parts and small helpers (the capped download is in test/chat/intake-fetch.test.ts),
 * custom ids, token expiry, "Higher quality" and attachment checks.
 */
import { describe, expect, it } from 'vitest';
import { remoteProblem } from '../../src/chat/common/intake/index.ts';
import { WORDING } from '../../src/requests/wording.ts';
import { componentFor, components, decodeCustomId } from '../../src/chat/discord/components.ts';
import { presetSelectRow } from '../../src/chat/discord/preset-ui.ts';
import { cancelRow, resultRow } from '../../src/chat/discord/ui.ts';
import { encodeCustomId } from '../../src/chat/discord/custom-ids.ts';
import { remoteImage } from '../../src/chat/discord/photos.ts';
import { higherQuality } from '../../src/chat/common/recipe.ts';
import { tokenUsable, type DiscordReplyTo } from '../../src/chat/discord/reply-to.ts';
import { loadConfig } from '../../src/config.ts';

describe('custom ids', () => {
  it('round-trip and fit Discord’s 100 characters with real job ids and blob keys', () => {
    const cancel = { action: 'cancel', jobId: `discord-${'f'.repeat(32)}` } as const;
    const another = { action: 'another', recipeKey: 'e'.repeat(64) } as const;
    for (const a of [cancel, another]) {
      const id = encodeCustomId(a);
      expect(id.length).toBeLessThanOrEqual(100);
      expect(decodeCustomId(id)).toEqual(a);
    }
    expect(decodeCustomId('someone-else:thing')).toBeUndefined();
    // Buttons from before owners left the custom id: the trailing user id is ignored, never trusted.
    expect(decodeCustomId(`easel:cancel:discord-${'f'.repeat(32)}:123456789012345678`)).toEqual(cancel);
    expect(() => encodeCustomId({ action: 'hq', recipeKey: 'x'.repeat(120) })).toThrow(/too long/);
  });
});

describe('the component registry', () => {
  const recipeKey = 'r'.repeat(64);
  const rows = [...resultRow({ recipeKey, canGoHigher: true, variations: ['stronger', 'subtler', 'colours', 'reroll'], options: { strength: 0.5 }, jobId: 'discord-job' }), ...cancelRow('discord-job')];
  const built = rows.flatMap((row) => row.components.map((c) => ('custom_id' in c ? c.custom_id : '')));

  it('routes every button the UI builds to its own handler, by kind and prefix', () => {
    expect(built).toHaveLength(8);
    for (const id of built) {
      const found = componentFor('button', id);
      expect(found, id).toBeDefined();
      expect(id.startsWith(`easel:${found!.handler.prefix}:`)).toBe(true);
    }
    // The select's id routes to the select, never to a button, and the other way round.
    const select = presetSelectRow({ search: () => [{ id: 'wave', title: 'The Great Wave', artist: 'Hokusai' }], all: () => [] } as never, recipeKey)[0].components[0];
    const selectId = 'custom_id' in select ? select.custom_id : '';
    expect(componentFor('select', selectId)?.args).toEqual({ recipeKey });
    expect(componentFor('button', selectId)).toBeUndefined();
    expect(componentFor('select', built[0])).toBeUndefined();
  });

  it('has one handler per kind and prefix, and ignores ids it does not know', () => {
    expect(new Set(components.map((h) => `${h.kind}:${h.prefix}`)).size).toBe(components.length);
    expect(componentFor('button', 'easel:no-such-button:x')).toBeUndefined();
    expect(componentFor('button', 'easel:another:')).toBeUndefined();
    expect(componentFor('button', 'other-bot:cancel:x')).toBeUndefined();
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
    expect(remoteProblem(undefined, limits)).toBe(WORDING.noPhoto);
    expect(remoteProblem(att({ contentType: 'application/pdf', name: 'a.pdf' }), limits)).toBe(WORDING.notAnImage);
    expect(remoteProblem(att({ contentType: null, name: 'notes.txt' }), limits)).toBe(WORDING.notAnImage);
    expect(remoteProblem(att({ size: 3 * 1024 * 1024 }), limits)).toBe('That file is too big — the limit is 2 MB.');
  });
});
