/**
 * The option table is the one source of the knobs: every artefact derived from it (the Discord
 * command, the README table) must be current, and the hand-written parsers (CLI flags, Slack's
 * `key=value` words) and `.env.example` must know every option it declares.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTION_TABLE, README_TABLE_END, README_TABLE_START, readmeOptionsTable, withOptionsTable } from '../../src/requests/option-table.ts';
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

  it('the CLI has a flag for every option, with the same integer range', () => {
    const cli = read('src/cli.ts');
    const stylize = cli.slice(cli.indexOf(".command('stylize')"), cli.indexOf('program', cli.indexOf(".command('stylize')") + 20));
    for (const spec of OPTION_TABLE) {
      expect(stylize, spec.cli).toMatch(new RegExp(`Option\\(\\s*'${spec.cli}[ ']|option\\(\\s*'${spec.cli}[ ']`));
      if (spec.kind === 'integer') expect(stylize, spec.cli).toContain(`int('${spec.cli}', ${spec.min}, ${spec.max === 2 ** 31 - 1 ? '2 ** 31 - 1' : spec.max})`);
    }
  });

  it("Slack's option words accept every chat option the table gives users", () => {
    const words: Record<string, string> = { size: 'size=64', quality: 'quality=draft', iterations: 'iterations=10', strength: 'strength=0.3', preserveColors: 'colors', brush: 'brush=bold', seed: 'seed=7' };
    for (const spec of OPTION_TABLE.filter((o) => o.key in words)) {
      const parsed = parseStylizeText(`starry-night ${words[spec.key]}`, { maxSize: 1024 });
      expect(parsed.problems, spec.key).toEqual([]);
      expect(parsed.options, spec.key).toHaveProperty(spec.key);
    }
    // A value outside the table's range is refused on Slack, as Discord's and the CLI's ranges refuse it.
    expect(parseStylizeText('starry-night strength=1.5', { maxSize: 1024 }).problems).toHaveLength(1);
  });

  it('.env.example documents every env var the table names', () => {
    const env = read('.env.example');
    for (const spec of OPTION_TABLE) for (const name of spec.env ?? []) expect(env, name).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
  });
});
