/**
 * The render plan (src/requests/render-plan.ts): one set of rules from a request or the CLI's
 * arguments to the engine's options, used by the worker and the CLI alike.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanError, planRender, QUALITIES, type PlanDefaults } from '../../src/requests/render-plan.ts';

const defaults: PlanDefaults = { defaultSize: 512, maxSize: 1024, defaultQuality: 'balanced', maxIterations: 1000 };
const painting = { paintings: 1 };
const networkOnly = { paintings: 0, fastNetwork: 'wave' };
const both = { paintings: 1, fastNetwork: 'scream', presetDefaults: { strength: 0.7, styleScale: 0.5 } };

describe('render plan', () => {
  it('fills defaults, caps size and iterations, and keeps what the user set over the preset defaults', () => {
    const p = planRender({}, both, defaults);
    expect(p.options).toMatchObject({ size: 512, quality: 'balanced', strength: 0.7, styleScale: 0.5 });
    expect(planRender({ size: 4096, iterations: 5000, strength: 0.2 }, both, defaults).options).toMatchObject({ size: 1024, iterations: 1000, strength: 0.2, styleScale: 0.5 });
    // an undefined option does not erase the preset's default
    expect(planRender({ strength: undefined }, both, defaults).options.strength).toBe(0.7);
  });

  it('falls back to the nearest quality the style can do, saying so; strict (the CLI) refuses a named tier instead', () => {
    expect(planRender({ quality: 'fast' }, painting, defaults)).toMatchObject({ quality: 'draft', usesPaintings: true, fallback: expect.stringMatching(/fast network/) });
    expect(planRender({ quality: 'best' }, networkOnly, defaults)).toMatchObject({ quality: 'fast', usesPaintings: false, fastNetwork: 'wave' });
    expect(planRender({ quality: 'fast' }, both, defaults)).toMatchObject({ quality: 'fast', fallback: undefined });
    expect(() => planRender({ quality: 'fast' }, painting, { ...defaults, strict: true })).toThrow(PlanError);
    // the default tier is not the user's choice: it adapts even when strict
    expect(planRender({}, networkOnly, { ...defaults, strict: true }).quality).toBe('fast');
    expect(() => planRender({}, { paintings: 0 }, defaults)).toThrow(/neither a painting nor a fast network/);
  });

  it('bounds decoding to twice the working size of each image', () => {
    expect(planRender({ size: 1024 }, both, defaults).decodeBounds).toEqual({ photo: 2048, style: 1024 });
    expect(planRender({ size: 256 }, painting, defaults).decodeBounds).toEqual({ photo: 512, style: 512 });
  });

  it('maps the brush to the style scale, on top of the preset\'s own, in one place; an explicit styleScale wins', () => {
    expect(planRender({ brush: 'bold' }, painting, defaults).options.styleScale).toBe(1.75);
    expect(planRender({ brush: 'fine' }, painting, defaults).options.styleScale).toBe(0.5);
    expect(planRender({ brush: 'normal' }, both, defaults).options.styleScale).toBe(0.5);
    expect(planRender({ brush: 'bold' }, both, defaults).options.styleScale).toBeCloseTo(0.875);
    expect(planRender({ brush: 'bold', styleScale: 2 }, painting, defaults).options.styleScale).toBe(2);
    // a bolder brush decodes the painting larger
    expect(planRender({ size: 256, brush: 'bold' }, painting, defaults).decodeBounds.style).toBe(896);
    expect(planRender({ brush: 'bold' }, painting, defaults).options).not.toHaveProperty('brush');
  });

  it("drops a preset's init 'fast' when the style has no fast network (two paintings mixed)", () => {
    const mixed = { paintings: 2, presetDefaults: { init: 'fast' as const, strength: 0.6 } };
    expect(planRender({ quality: 'draft' }, mixed, defaults).options).toMatchObject({ init: 'content', strength: 0.6 });
    expect(planRender({ quality: 'draft' }, { ...mixed, fastNetwork: 'scream' }, defaults).options.init).toBe('fast');
  });

  it('spells the tier names once in src/', () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));
    const spelled = files('src').filter((f) => f.endsWith('.ts') && /'fast',\s*'draft',\s*'balanced',\s*'best'|'fast' \| 'draft' \| 'balanced' \| 'best'/.test(readFileSync(f, 'utf8')));
    expect(spelled).toEqual([path.join('src', 'engine', 'types.ts')]);
    expect(QUALITIES).toEqual(['fast', 'draft', 'balanced', 'best']);
  });
});
