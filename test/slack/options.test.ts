import { describe, expect, it } from 'vitest';
import { cleanMessageText, formatOptions, parseStylizeText } from '../../src/chat/slack/options.ts';


describe('the /stylize and @Easel text syntax', () => {
  it('reads a preset and every option', () => {
    const p = parseStylizeText('starry-night strength=0.8 size=512 quality=draft colors seed=7 iterations=120');
    expect(p.problems).toEqual([]);
    expect(p.presetToken).toBe('starry-night');
    expect(p.options).toEqual({ strength: 0.8, size: 512, quality: 'draft', preserveColors: true, seed: 7, iterations: 120 });
  });

  it('takes a bare quality word, percentages and yes/no flags', () => {
    const p = parseStylizeText('The-Scream fast strength=80% colours=no');
    expect(p.problems).toEqual([]);
    expect(p.presetToken).toBe('the-scream');
    expect(p.options).toEqual({ quality: 'fast', strength: 0.8, preserveColors: false });
  });

  it('ignores the mention of the bot and smart quotes', () => {
    expect(cleanMessageText('<@U0EASELBOT> “wave” size=64')).toBe('wave size=64');
    const p = parseStylizeText('<@U0EASELBOT|easel> wave size=64');
    expect(p).toMatchObject({ presetToken: 'wave', options: { size: 64 }, problems: [] });
  });

  it('recognises styles and help only as the first word', () => {
    expect(parseStylizeText('styles').keyword).toBe('styles');
    expect(parseStylizeText('help').keyword).toBe('help');
    const p = parseStylizeText('wave help');
    expect(p.keyword).toBeUndefined();
    expect(p.problems).toHaveLength(1);
  });

  it('lists every problem at once: only what cannot be read (numbers out of range are capped later, with a note)', () => {
    const p = parseStylizeText('wave strength=2 size=4000 seed=x strength=much quality=ultra bogus=1 extra');
    expect(p.presetToken).toBe('wave');
    expect(p.problems).toHaveLength(5);
    expect(p.problems.join('\n')).toMatch(/seed must be a number from 0 to 2147483647 \(e\.g\. seed=42\), not “x”/);
    expect(p.problems.join('\n')).toMatch(/strength must be a number from 0 to 1 \(e\.g\. strength=0\.8\), not “much”/);
    expect(p.problems.join('\n')).toMatch(/quality must be one of fast, draft, balanced, best/);
    expect(p.problems.join('\n')).toMatch(/option “bogus”/);
    expect(p.problems.join('\n')).toMatch(/“extra”/);
    // read as asked: resolveRequest caps them at the intake (test/requests/resolve.test.ts)
    expect(p.options).toMatchObject({ strength: 2, size: 4000 });
  });

  it('reads brush=fine|normal|bold and refuses other sizes', () => {
    expect(parseStylizeText('udnie brush=bold')).toMatchObject({ presetToken: 'udnie', options: { brush: 'bold' }, problems: [] });
    expect(parseStylizeText('udnie brush=huge').problems.join('\n')).toMatch(/brush must be one of fine, normal, bold/);
  });

  it('reads two paintings joined by + and mix=, capping a mix outside the table\'s range with a note (refusing only a non-number)', () => {
    expect(parseStylizeText('starry-night+the-scream mix=0.7')).toMatchObject({ presetToken: 'starry-night+the-scream', mix: 0.7, problems: [], notes: [] });
    expect(parseStylizeText('a+b mix=1')).toMatchObject({ mix: 0.95, problems: [], notes: ['mix capped at 0.95 — the most there is.'] });
    expect(parseStylizeText('a+b mix=0')).toMatchObject({ mix: 0.05, notes: ['mix raised to 0.05 — the least there is.'] });
    expect(parseStylizeText('a+b mix=lots').problems.join('\n')).toMatch(/mix must be a number between 0 and 1/);
  });

  it('writes options back in the same syntax (round trip)', () => {
    const options = { strength: 0.3, size: 256, quality: 'best' as const, preserveColors: true, seed: 1, brush: 'bold' as const };
    expect(parseStylizeText(formatOptions(options))).toMatchObject({ options, problems: [], presetToken: undefined });
  });

  it('gives an empty text no preset and no options', () => {
    expect(parseStylizeText('   ')).toEqual({ keyword: undefined, presetToken: undefined, options: {}, problems: [], notes: [] });
  });
});
