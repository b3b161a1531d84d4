/**
 * The text syntax of `/stylize` and `@Easel` (pure; no Slack here).
 *
 *   /stylize [styles|help] | [preset] [option]...
 *   @Easel   [preset] [option]...
 *
 * Options are `key=value` words or bare flags, in any order after the preset. The keys, their kinds
 * and choices come from the option table (src/requests/option-table.ts, its `slack` words); a value
 * is only *read* here — a number outside its range is capped by resolveRequest at the intake, with a
 * note, as on Discord and the CLI; only what cannot be read (not a number, an unknown choice) is a
 * problem:
 *   strength=0.8        0 = the photo, 1 = the painting (also `strength=80%`)
 *   size=512            output's longest side in px (also `512px`)
 *   quality=draft       fast | draft | balanced | best — or just the word: `draft`
 *   colors              keep the photo's colours (also `colours`, `colors=yes|no`)
 *   seed=42             random seed (same seed + backend = same picture)
 *   iterations=300      optimisation steps (overrides quality; alias `steps`)
 *   brush=bold          brush size: fine | normal | bold
 *   mix=0.7             with two paintings (`starry-night+the-scream`): the first one's share
 *   latest              paint the most recent image in the channel (`/stylize` only; alias `last`)
 *
 * Slack's "smart quotes" and the `<@U123>` mention of a message are tolerated; the result lists
 * every problem at once so the user fixes them in one go.
 */
import type { RequestOptions } from '../../requests/style-request.ts';
import { QUALITIES, type Quality } from '../../config.ts';
import { OPTION_TABLE, type OptionSpec } from '../../requests/option-table.ts';
import { capToTable, type Note } from '../../requests/resolve.ts';
import { WORDING } from '../../requests/wording.ts';

export type Keyword = 'styles' | 'help';

export interface ParsedStylizeText {
  /** `/stylize styles` or `/stylize help`. */
  keyword?: Keyword;
  /** The first bare word that is not a keyword, quality or flag: the preset the user asked for (lower-cased). */
  presetToken?: string;
  options: RequestOptions;
  /** `mix=0.7`: the first painting's share when two are mixed (`a+b`). */
  mix?: number;
  /** `latest`: paint the most recent image posted in the channel (slash commands carry no files). */
  latest?: boolean;
  /** Friendly, one per bad word. Empty when the text parsed cleanly. */
  problems: string[];
  /** What was changed of what was asked here (a `mix` outside the table's range, capped), to tell the user. */
  notes: string[];
}


const KEYWORDS: Record<string, Keyword> = { styles: 'styles', style: 'styles', list: 'styles', gallery: 'styles', help: 'help', '?': 'help' };
/** The table's options Slack takes as `key=value`, by each word it accepts (mix is read apart: it belongs to the style). */
const BY_WORD = new Map<string, OptionSpec>(OPTION_TABLE.filter((o) => o.slack && o.key !== 'blend').flatMap((o) => o.slack!.map((w) => [w, o] as const)));
/** A boolean option's words are bare flags too (`colors`). */
const COLOR_FLAGS = new Set(OPTION_TABLE.find((o) => o.key === 'preserveColors')!.slack);
const LATEST_FLAGS = new Set(['latest', 'last']);
const TRUE_WORDS = new Set(['yes', 'y', 'on', 'true', '1']);
const FALSE_WORDS = new Set(['no', 'n', 'off', 'false', '0']);

const EXAMPLES: Record<string, string> = { strength: '0.8', size: '512', iterations: '300', seed: '42' };

/** How one table option is typed on Slack, e.g. `strength=0.8`, `quality=fast|draft|balanced|best`, `colors`. */
function typed(spec: OptionSpec): string {
  const word = spec.slack![0];
  if (spec.key === 'blend') return `first+second ${word}=0.7`;
  if (spec.kind === 'boolean') return word;
  if (spec.kind === 'choice') return `${word}=${spec.choices!.join('|')}`;
  return `${word}=${EXAMPLES[spec.key] ?? spec.max}`;
}

/** One line per option, for help texts and the modal's hint: generated from the option table. */
export const OPTIONS_HELP = [
  ...OPTION_TABLE.filter((o) => o.slack).map((o) => `\`${typed(o)}\`${o.key === 'quality' ? ' (or just `draft`)' : ''} — ${o.help}`),
  '`latest` — paint the most recent image posted in this channel',
];
export const OPTIONS_EXAMPLE = 'strength=0.8 size=512 quality=draft colors';

/** Remove Slack mentions (`<@U123>`, `<@U123|name>`) and normalise quotes and spaces. */
export function cleanMessageText(text: string | undefined): string {
  return (text ?? '')
    .replace(/<@[A-Z0-9]+(\|[^>]*)?>/gi, ' ')
    .replace(/[\u201C\u201D\u2018\u2019]/g, '')
    .replace(/\u00A0/g, ' ')
    .trim();
}

export function parseStylizeText(text: string | undefined): ParsedStylizeText {
  const words = cleanMessageText(text).split(/\s+/).filter(Boolean);
  const options: RequestOptions = {};
  const problems: string[] = [];
  let keyword: Keyword | undefined;
  let presetToken: string | undefined;
  let mix: number | undefined;
  const notes: Note[] = [];
  let latest: boolean | undefined;

  words.forEach((raw, index) => {
    const word = raw.toLowerCase();
    const eq = word.indexOf('=');
    if (eq > 0 && word.slice(0, eq) === 'mix') {
      // The mix belongs to the style (StyleChoice), so it is capped here, by the same rule as resolveRequest's.
      const n = word.slice(eq + 1) === '' ? NaN : Number(word.slice(eq + 1));
      if (!Number.isFinite(n)) problems.push(WORDING.badMixValue(raw.slice(eq + 1)));
      else mix = capToTable('blend', n, notes);
      return;
    }
    if (eq > 0) {
      const problem = applyKeyValue(options, word.slice(0, eq), word.slice(eq + 1));
      if (problem) problems.push(problem);
      return;
    }
    if (index === 0 && KEYWORDS[word]) {
      keyword = KEYWORDS[word];
      return;
    }
    if ((QUALITIES as readonly string[]).includes(word)) {
      options.quality = word as Quality;
      return;
    }
    if (COLOR_FLAGS.has(word)) {
      options.preserveColors = true;
      return;
    }
    if (LATEST_FLAGS.has(word)) {
      latest = true;
      return;
    }
    if (presetToken === undefined && keyword === undefined) {
      presetToken = word;
      return;
    }
    problems.push(WORDING.notUnderstood(raw));
  });

  return { keyword, presetToken, options, mix, latest, problems, notes: notes.map((n) => n.text) };
}

/** A number as typed (`80%` for a fraction, `512px` for a size), or NaN. */
function readNumber(spec: OptionSpec, value: string): number {
  if (value === '') return NaN;
  if (spec.max === 1 && value.endsWith('%')) return Number(value.slice(0, -1)) / 100;
  return Number(spec.key === 'size' ? value.replace(/px$/, '') : value);
}

/** Apply one `key=value` by the option table; returns a problem text (what cannot be read) or undefined. */
function applyKeyValue(options: RequestOptions, key: string, value: string): string | undefined {
  const spec = BY_WORD.get(key);
  if (!spec) return WORDING.unknownOption(key, OPTION_TABLE.filter((o) => o.slack).map((o) => o.slack![0]));
  const name = spec.slack![0];
  const set = (v: unknown) => void ((options as Record<string, unknown>)[spec.key] = v);
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const n = readNumber(spec, value);
      // The range only where no operator's cap narrows it (the size's limit is the deployment's or the server's).
      const range = spec.setBy.includes('operator') ? undefined : ([spec.min, spec.max] as const);
      if (!Number.isFinite(n)) return WORDING.notANumber(name, value, range, EXAMPLES[spec.key]);
      set(n);
      return undefined;
    }
    case 'choice':
      if (!spec.choices!.includes(value)) return WORDING.notOneOf(name, spec.choices!, value);
      set(value);
      return undefined;
    case 'boolean':
      if (TRUE_WORDS.has(value)) set(true);
      else if (FALSE_WORDS.has(value)) set(false);
      else return WORDING.notYesNo(name, value);
      return undefined;
  }
}

/** The options written back in the same syntax (for prompts and prefilled modal inputs). */
export function formatOptions(options: RequestOptions): string {
  const parts: string[] = [];
  if (options.strength !== undefined) parts.push(`strength=${options.strength}`);
  if (options.size !== undefined) parts.push(`size=${options.size}`);
  if (options.quality !== undefined) parts.push(`quality=${options.quality}`);
  if (options.preserveColors) parts.push('colors');
  if (options.seed !== undefined) parts.push(`seed=${options.seed}`);
  if (options.iterations !== undefined) parts.push(`iterations=${options.iterations}`);
  if (options.brush !== undefined) parts.push(`brush=${options.brush}`);
  return parts.join(' ');
}
