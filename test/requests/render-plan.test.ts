/**
 * The render plan (src/requests/render-plan.ts): effective options (resolve.ts) → the engine's
 * options, the same translation for the worker and the CLI. It decides nothing about limits.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanError, planRender, QUALITIES } from '../../src/requests/render-plan.ts';
import type { EffectiveOptions } from '../../src/requests/resolve.ts';

const effective = (o: Partial<EffectiveOptions> = {}): EffectiveOptions => ({ size: 512, quality: 'balanced', strength: 0.75, preserveColors: false, seed: 0, brush: 'normal', ...o });
const painting = { paintings: 1 };
const networkOnly = { paintings: 0, fastNetwork: 'wave' };
const both = { paintings: 1, fastNetwork: 'scream', presetDefaults: { strength: 0.7, styleScale: 0.5 } };

describe('render plan', () => {
  it('translates the effective options as they are, over the preset defaults (no caps here)', () => {
    expect(planRender(effective(), both).options).toMatchObject({ size: 512, quality: 'balanced', strength: 0.75, styleScale: 0.5 });
    expect(planRender(effective({ size: 4096, iterations: 5000, strength: 0.2 }), both).options).toMatchObject({ size: 4096, iterations: 5000, strength: 0.2, styleScale: 0.5 });
    expect(planRender(effective(), both).options.iterations).toBeUndefined();
  });

  it("uses the network for 'fast' and for an animation; refuses what the style lacks", () => {
    expect(planRender(effective({ quality: 'fast' }), both)).toMatchObject({ quality: 'fast', usesPaintings: false, fastNetwork: 'scream' });
    expect(planRender(effective({ quality: 'best' }), both, { animated: true })).toMatchObject({ quality: 'fast', usesPaintings: false });
    expect(planRender(effective({ quality: 'best' }), painting, { animated: true })).toMatchObject({ quality: 'best', usesPaintings: true });
    expect(() => planRender(effective({ quality: 'fast' }), painting)).toThrow(PlanError);
    expect(() => planRender(effective({ quality: 'draft' }), networkOnly)).toThrow(PlanError);
  });

  it('bounds decoding to twice the working size of each image', () => {
    expect(planRender(effective({ size: 1024 }), both).decodeBounds).toEqual({ photo: 2048, style: 1024 });
    expect(planRender(effective({ size: 256 }), painting).decodeBounds).toEqual({ photo: 512, style: 512 });
  });

  it("maps the brush to the style scale, on top of the preset's own, in one place; an explicit styleScale wins", () => {
    expect(planRender(effective({ brush: 'bold' }), painting).options.styleScale).toBe(1.75);
    expect(planRender(effective({ brush: 'fine' }), painting).options.styleScale).toBe(0.5);
    expect(planRender(effective({ brush: 'normal' }), both).options.styleScale).toBe(0.5);
    expect(planRender(effective({ brush: 'bold' }), both).options.styleScale).toBeCloseTo(0.875);
    expect(planRender(effective({ brush: 'bold' }), painting, { extras: { styleScale: 2 } }).options.styleScale).toBe(2);
    // a bolder brush decodes the painting larger
    expect(planRender(effective({ size: 256, brush: 'bold' }), painting).decodeBounds.style).toBe(896);
    expect(planRender(effective({ brush: 'bold' }), painting).options).not.toHaveProperty('brush');
  });

  it("drops a preset's init 'fast' when the style has no fast network (two paintings mixed)", () => {
    const mixed = { paintings: 2, mixed: true, presetDefaults: { init: 'fast' as const } };
    expect(planRender(effective({ quality: 'draft' }), mixed).options.init).toBe('content');
    expect(planRender(effective({ quality: 'draft' }), { ...mixed, fastNetwork: 'scream' }).options.init).toBe('fast');
  });

  it('spells the tier names once in src/', () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));
    const spelled = files('src').filter((f) => f.endsWith('.ts') && /'fast',\s*'draft',\s*'balanced',\s*'best'|'fast' \| 'draft' \| 'balanced' \| 'best'/.test(readFileSync(f, 'utf8')));
    expect(spelled).toEqual([path.join('src', 'engine', 'types.ts')]);
    expect(QUALITIES).toEqual(['fast', 'draft', 'balanced', 'best']);
  });
});
