/**
 * The text syntax of `/stylize` and `@Easel` (pure; no Slack here).
 *
 *   /stylize [styles|help] | [preset] [option]...
 *   @Easel   [preset] [option]...
 *
 * Options are `key=value` words or bare flags, in any order after the preset:
 *   strength=0.8        0 = the photo, 1 = the painting (also `strength=80%`)
 *   size=512            output's longest side in px (32 … EASEL_MAX_SIZE)
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
import { BRUSHES, type Brush } from '../../requests/render-plan.ts';

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
}

export interface ParseLimits {
  maxSize: number;
}

const KEYWORDS: Record<string, Keyword> = { styles: 'styles', style: 'styles', list: 'styles', gallery: 'styles', help: 'help', '?': 'help' };
const COLOR_FLAGS = new Set(['colors', 'colours', 'color', 'colour', 'preserve-colors', 'preserve-colours', 'keep-colors', 'keep-colours']);
const LATEST_FLAGS = new Set(['latest', 'last']);
const TRUE_WORDS = new Set(['yes', 'y', 'on', 'true', '1']);
const FALSE_WORDS = new Set(['no', 'n', 'off', 'false', '0']);

/** One line per option, for help texts and the modal's hint. */
export const OPTIONS_HELP = [
  '`strength=0.8` — 0 = your photo, 1 = the painting',
  '`size=512` — longest side in pixels',
  '`quality=fast|draft|balanced|best` (or just `draft`)',
  '`colors` — keep your photo\'s colours',
  '`seed=42` — repeatable results',
  '`iterations=300` — optimisation steps',
  '`brush=fine|normal|bold` — brush size',
  '`first+second mix=0.7` — mix two paintings (0.7 of the first)',
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

export function parseStylizeText(text: string | undefined, limits: ParseLimits): ParsedStylizeText {
  const words = cleanMessageText(text).split(/\s+/).filter(Boolean);
  const options: RequestOptions = {};
  const problems: string[] = [];
  let keyword: Keyword | undefined;
  let presetToken: string | undefined;
  let mix: number | undefined;
  let latest: boolean | undefined;

  words.forEach((raw, index) => {
    const word = raw.toLowerCase();
    const eq = word.indexOf('=');
    if (eq > 0 && word.slice(0, eq) === 'mix') {
      const n = Number(word.slice(eq + 1));
      if (!(n > 0 && n < 1)) problems.push(`mix must be a number between 0 and 1 (e.g. mix=0.7), not “${raw.slice(eq + 1)}”.`);
      else mix = n;
      return;
    }
    if (eq > 0) {
      const problem = applyKeyValue(options, word.slice(0, eq), word.slice(eq + 1), limits);
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
    problems.push(`I don't understand “${raw}”.`);
  });

  return { keyword, presetToken, options, mix, latest, problems };
}

/** Apply one `key=value`; returns a problem text or undefined. */
function applyKeyValue(options: RequestOptions, key: string, value: string, limits: ParseLimits): string | undefined {
  switch (key) {
    case 'strength': {
      const n = value.endsWith('%') ? Number(value.slice(0, -1)) / 100 : Number(value);
      if (value === '' || !Number.isFinite(n) || n < 0 || n > 1) return `strength must be a number from 0 to 1 (e.g. strength=0.8), not “${value}”.`;
      options.strength = n;
      return undefined;
    }
    case 'size': {
      const n = Number(value.replace(/px$/, ''));
      if (!Number.isInteger(n) || n < 32 || n > limits.maxSize) return `size must be a whole number of pixels from 32 to ${limits.maxSize}, not “${value}”.`;
      options.size = n;
      return undefined;
    }
    case 'quality': {
      if (!(QUALITIES as readonly string[]).includes(value)) return `quality must be one of ${QUALITIES.join(', ')}, not “${value}”.`;
      options.quality = value as Quality;
      return undefined;
    }
    case 'colors':
    case 'colours':
    case 'preserve-colors':
    case 'preserve-colours':
    case 'keep-colors': {
      if (TRUE_WORDS.has(value)) options.preserveColors = true;
      else if (FALSE_WORDS.has(value)) options.preserveColors = false;
      else return `colors must be yes or no, not “${value}”.`;
      return undefined;
    }
    case 'seed': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) return `seed must be a whole number from 0, not “${value}”.`;
      options.seed = n;
      return undefined;
    }
    case 'iterations':
    case 'steps': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 5000) return `iterations must be a whole number from 1 to 5000, not “${value}”.`;
      options.iterations = n;
      return undefined;
    }
    case 'brush': {
      if (!(BRUSHES as readonly string[]).includes(value)) return `brush must be one of ${BRUSHES.join(', ')}, not “${value}”.`;
      options.brush = value as Brush;
      return undefined;
    }
    default:
      return `I don't know the option “${key}”. Options: strength, size, quality, colors, seed, iterations, brush, mix.`;
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
