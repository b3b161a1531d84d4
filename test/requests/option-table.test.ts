/**
 * The option table is the one source of the knobs: every artefact derived from it (the Discord
 * command, the CLI's flags, Slack's `key=value` words, the README table, `.env.example`'s block)
 * must be current, and every entry point reads the same input the same way.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { ENV_BLOCK_START, OPTION_TABLE, optionEnvDefaults, README_TABLE_END, README_TABLE_START, readmeOptionsTable, withEnvBlock, withOptionsTable } from '../../src/requests/option-table.ts';
import { stylizeFlags } from '../../src/cli/stylize-flags.ts';
import { data as stylizeCommand } from '../../src/chat/discord/commands/stylize.ts';
import { parseStylizeText } from '../../src/chat/slack/options.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('option table', () => {
  it('the README options table is the generated one (run `npx tsx scripts/gen-options.ts` when this fails)', () => {
    const readme = read('README.md');
    expect(readme).toContain(README_TABLE_START);
    expect(readme).toContain(README_TABLE_END);
    expect(withOptionsTable(readme)).toBe(readme);
    for (const o of OPTION_TABLE) expect(readmeOptionsTable()).toContain(`\`${o.cli}\``);
  });

  it("the Discord command's options carry the table's names, help, ranges and choices", () => {
    const json = stylizeCommand.toJSON();
    const chatOptions = OPTION_TABLE.filter((o) => o.chat !== null);
    expect(chatOptions.length).toBeGreaterThan(4);
    for (const spec of chatOptions) {
      const option = json.options!.find((o) => o.name === spec.chat) as unknown as Record<string, unknown> | undefined;
      expect(option, spec.chat!).toBeDefined();
      expect(option!.description).toBe(spec.help);
      if (spec.min !== undefined) expect(option!.min_value).toBe(spec.min);
      if (spec.max !== undefined) expect(option!.max_value).toBe(spec.max);
      if (spec.choices) expect((option!.choices as { value: string }[]).map((c) => c.value)).toEqual([...spec.choices]);
    }
  });

  it("the CLI's flags are the table's: one per option, its help and choices; out-of-range numbers are read (and capped later), unreadable ones refused", () => {
    const cli = read('src/cli.ts');
    expect(cli).toContain('stylize.addOption(flag)');
    const flags = stylizeFlags();
    for (const spec of OPTION_TABLE) {
      const flag = flags.find((f) => f.long === spec.cli);
      expect(flag, spec.cli).toBeDefined();
      expect(flag!.description).toContain(spec.help);
      if (spec.choices) expect(flag!.argChoices).toEqual([...spec.choices]);
    }
    const parse = (...args: string[]) => {
      const cmd = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
      for (const f of stylizeFlags()) cmd.addOption(f);
      return cmd.parse(args, { from: 'user' }).opts();
    };
    expect(parse('--size', '5000', '--strength', '1.5', '--iterations', '9000', '--preserve-colors')).toEqual({ size: 5000, strength: 1.5, iterations: 9000, preserveColors: true });
    expect(() => parse('--size', 'big')).toThrow(/--size must be a number/);
    expect(() => parse('--quality', 'ultra')).toThrow(/argument 'ultra' is invalid/);
  });

  it("Slack's option words are the table's, read the same way (only the unreadable is refused)", () => {
    const words: Record<string, string> = { size: 'size=64', quality: 'quality=draft', iterations: 'iterations=10', strength: 'strength=0.3', preserveColors: 'colors', brush: 'brush=bold', seed: 'seed=7' };
    for (const spec of OPTION_TABLE.filter((o) => o.slack && o.key !== 'blend')) {
      expect(words[spec.key], `a Slack example for ${spec.key}`).toBeDefined();
      const parsed = parseStylizeText(`starry-night ${words[spec.key]}`);
      expect(parsed.problems, spec.key).toEqual([]);
      expect(parsed.options, spec.key).toHaveProperty(spec.key);
      for (const word of spec.slack!) if (spec.kind !== 'boolean') expect(parseStylizeText(`x ${word}=${words[spec.key].split('=')[1]}`).problems, word).toEqual([]);
    }
    // Out of range is read as asked (resolveRequest caps it with a note, as for Discord and the CLI); unreadable is refused.
    expect(parseStylizeText('starry-night strength=1.5')).toMatchObject({ options: { strength: 1.5 }, problems: [] });
    expect(parseStylizeText('starry-night strength=lots').problems).toHaveLength(1);
  });

  it(".env.example's block of the options' env vars is the generated one (run `npx tsx scripts/gen-options.ts` when this fails)", () => {
    const env = read('.env.example');
    expect(env).toContain(ENV_BLOCK_START);
    expect(withEnvBlock(env, optionEnvDefaults())).toBe(env);
    for (const spec of OPTION_TABLE) for (const name of spec.env ?? []) expect(env, name).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
