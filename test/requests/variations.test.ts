import { describe, expect, it } from 'vitest';
import { encodeCustomId, CUSTOM_ID_MAX } from '../../src/chat/discord/custom-ids.ts';
import { decodeCustomId } from '../../src/chat/discord/components.ts';
import { DEFAULT_STRENGTH } from '../../src/engine/params.ts';
import { effectiveStrength, followUpsFor, higherQuality, mayDelete, offeredVariations, STRENGTH_STEP, vary, VARIATIONS } from '../../src/requests/variations.ts';

const presets = { get: (id: string) => (id === 'soft' ? ({ id, defaults: { strength: 0.3 } } as never) : undefined) };

describe('one-click variations', () => {
  it('Stronger / Subtler step the strength by 0.25 within [0, 1], and are not offered at the ends', () => {
    expect(STRENGTH_STEP).toBe(0.25);
    expect(vary({ strength: 0.5 }, 'stronger', 0.5)).toEqual({ strength: 0.75 });
    expect(vary({ strength: 0.9 }, 'stronger', 0.9)).toEqual({ strength: 1 });
    expect(vary({ strength: 1 }, 'stronger', 1)).toBeUndefined();
    expect(vary({ strength: 0.1 }, 'subtler', 0.1)).toEqual({ strength: 0 });
    expect(vary({ strength: 0 }, 'subtler', 0)).toBeUndefined();
    expect(offeredVariations({ strength: 1 }, 1)).toEqual(['subtler', 'colours', 'reroll']);
    expect(offeredVariations({ strength: 0 }, 0)).toEqual(['stronger', 'colours', 'reroll']);
    expect(offeredVariations({}, 0.5)).toEqual([...VARIATIONS]);
  });

  it('the base strength is the request\'s, else its preset\'s default, else the engine\'s', () => {
    expect(effectiveStrength({ style: { kind: 'preset', presetId: 'soft' }, options: { strength: 0.8 } }, presets)).toBe(0.8);
    expect(effectiveStrength({ style: { kind: 'preset', presetId: 'soft' }, options: {} }, presets)).toBe(0.3);
    expect(effectiveStrength({ style: { kind: 'preset', presetId: 'other' }, options: {} }, presets)).toBe(DEFAULT_STRENGTH);
    // the engine's default is the paper's look, 0.75: Subtler and Stronger from it still step
    expect(DEFAULT_STRENGTH).toBe(0.75);
    expect(vary({}, 'subtler', DEFAULT_STRENGTH)).toEqual({ strength: 0.5 });
    expect(vary({}, 'stronger', DEFAULT_STRENGTH)).toEqual({ strength: 1 });
  });

  it('Keep colours toggles preserveColors; Reroll draws a new seed and keeps the rest', () => {
    expect(vary({ size: 64 }, 'colours', 0.5)).toEqual({ size: 64, preserveColors: true });
    expect(vary({ preserveColors: true }, 'colours', 0.5)).toEqual({ preserveColors: false });
    const seeds = [7, 7, 9];
    expect(vary({ seed: 7, quality: 'fast' }, 'reroll', 0.5, () => seeds.shift()!)).toEqual({ seed: 9, quality: 'fast' });
  });

  it('decides once, for both platforms, which follow-ups a result offers', () => {
    const render = { quality: 'balanced' as const, size: 512, maxSize: 1024 };
    expect(followUpsFor({ style: { kind: 'preset', presetId: 'soft' }, options: {} }, { presets, render })).toEqual({ variations: [...VARIATIONS], higherQuality: true });
    expect(followUpsFor({ options: { strength: 1, quality: 'best', size: 1024 } }, { presets, render })).toEqual({ variations: ['subtler', 'colours', 'reroll'], higherQuality: false });
    expect(higherQuality({ quality: 'best', size: 512 }, render)).toEqual({ quality: 'best', size: 768 });
  });

  it('Delete is the asker\'s, or a moderator\'s', () => {
    expect(mayDelete('1', '1')).toBe(true);
    expect(mayDelete('2', '1')).toBe(false);
    expect(mayDelete('2', '1', true)).toBe(true);
  });

  it('Discord buttons carry keys within 100 characters and decode back', () => {
    const recipeKey = 'f'.repeat(64);
    for (const action of VARIATIONS) {
      const id = encodeCustomId({ action, recipeKey });
      expect(id.length).toBeLessThanOrEqual(CUSTOM_ID_MAX);
      expect(decodeCustomId(id)).toEqual({ action, recipeKey });
    }
    const jobId = `discord-${'a'.repeat(32)}`;
    expect(decodeCustomId(encodeCustomId({ action: 'delete', jobId }))).toEqual({ action: 'delete', jobId });
  });
});
