/**
 * The option table: every knob of a `/stylize`, declared once — name, type, range, default, help
 * text and who may set it. The Discord command's options, the README's options table and the
 * checks on the CLI's flags and `.env.example` are derived from it (test/requests/option-table.test.ts
 * fails when a derived artefact is stale), so a knob cannot mean one thing on Discord and another
 * on Slack or the CLI.
 */
import { loadConfig } from '../config.ts';
import { QUALITIES } from '../engine/types.ts';
import { BRUSHES } from './brush.ts';

/** Who may set an option: the asker, a server admin (`/easel-settings`), the operator (env). */
export type SetBy = 'user' | 'server' | 'operator';

export interface OptionSpec {
  /** The key in RequestOptions (or the CLI-only name). */
  key: string;
  /** README label. */
  label: string;
  kind: 'integer' | 'number' | 'boolean' | 'choice';
  min?: number;
  max?: number;
  choices?: readonly string[];
  /** The default, as a person reads it (an env var where the operator sets it). */
  defaultText: string;
  /** CLI flag as written in `easel stylize --help`. */
  cli: string;
  /** The flag's value as `--help` shows it (`<px>`); absent for an on/off flag. */
  cliArg?: string;
  /** Chat option name (Discord option name = Slack `key=`); null = CLI only. */
  chat: string | null;
  /** The words Slack's `key=value` parser takes for it (src/chat/slack/options.ts); absent = not on Slack. */
  slack?: readonly string[];
  /** README cell for the chat column, when it says more than the option name. */
  chatText?: string;
  /** One line for Discord's option description (≤ 100 characters) and the README. */
  help: string;
  /** README's longer meaning; defaults to `help`. */
  meaning?: string;
  setBy: readonly SetBy[];
  /** The env vars that give the default or the cap (each must be in `.env.example`). */
  env?: readonly string[];
}

export const OPTION_TABLE: readonly OptionSpec[] = [
  {
    key: 'size', label: 'size', kind: 'integer', min: 32, max: 4096, defaultText: 'EASEL_DEFAULT_SIZE', cli: '--size', cliArg: '<px>', chat: 'size', slack: ['size'],
    help: "Output's longest side in pixels", meaning: "output's longest side (capped at EASEL_MAX_SIZE)",
    setBy: ['user', 'server', 'operator'], env: ['EASEL_DEFAULT_SIZE', 'EASEL_MAX_SIZE'],
  },
  {
    key: 'quality', label: 'quality', kind: 'choice', choices: QUALITIES, defaultText: 'EASEL_DEFAULT_QUALITY', cli: '--quality', cliArg: '<tier>', chat: 'quality', slack: ['quality'],
    help: 'fast (seconds) … best (minutes)', meaning: '`fast` (feed-forward net), `draft`, `balanced`, `best` (16, 64, 300 evaluations)',
    setBy: ['user', 'server', 'operator'], env: ['EASEL_DEFAULT_QUALITY'],
  },
  {
    key: 'iterations', label: 'iterations', kind: 'integer', min: 1, max: 5000, defaultText: "the tier's", cli: '--iterations', cliArg: '<n>', chat: null, slack: ['iterations', 'steps'], chatText: '`iterations` (Slack)',
    help: 'Optimisation steps (overrides quality)', meaning: "overrides the tier's total (capped at EASEL_MAX_ITERATIONS)",
    setBy: ['user', 'operator'], env: ['EASEL_MAX_ITERATIONS'],
  },
  {
    key: 'strength', label: 'strength', kind: 'number', min: 0, max: 1, defaultText: '0.75', cli: '--strength', cliArg: '<x>', chat: 'strength', slack: ['strength'],
    help: '0 = your photo, 1 = the painting (default 0.75)',
    meaning: '0 = the photo … 1 = the painting, default 0.75 (style weight 0.1 / 0.55 / 3 / 30 : content 1 at 0.25 / 0.5 / 0.75 / 1; a fast network\'s picture fades toward the photo below 0.75)',
    setBy: ['user'],
  },
  {
    key: 'preserveColors', label: 'preserve colours', kind: 'boolean', defaultText: 'off', cli: '--preserve-colors', chat: 'preserve_colors', slack: ['colors', 'colours', 'color', 'colour', 'preserve-colors', 'preserve-colours', 'keep-colors', 'keep-colours'], chatText: '`preserve_colors` / `colors`',
    help: "Keep your photo's colours", meaning: "keep the photo's colours (luminance transfer)", setBy: ['user'],
  },
  {
    key: 'brush', label: 'brush', kind: 'choice', choices: BRUSHES, defaultText: 'normal', cli: '--brush', cliArg: '<size>', chat: 'brush', slack: ['brush'],
    help: 'Brush size: fine, normal or bold strokes', meaning: "the style scale as people say it: 0.5×, 1×, 1.75× the preset's (src/requests/render-plan.ts)",
    setBy: ['user'],
  },
  {
    key: 'seed', label: 'seed', kind: 'integer', min: 0, max: 2 ** 31 - 1, defaultText: 'random', cli: '--seed', cliArg: '<n>', chat: null, slack: ['seed'], chatText: '`seed` (Slack)',
    help: 'Random seed', meaning: 'same seed + backend = same image; another seed (Reroll) paints another picture of the same quality: seeded smooth noise (σ 8, blobs 4–32 px) in the start image, and for a fast network a seeded scale (0.9–1.11×) and shift (≤ 8 px) of its input ([`src/engine/reroll.ts`](src/engine/reroll.ts)); 0 = no noise', setBy: ['user'],
  },
  {
    key: 'blend', label: 'blend', kind: 'number', min: 0.05, max: 0.95, defaultText: '0.5', cli: '--blend', cliArg: '<weights>', chat: 'mix', slack: ['mix'],
    chatText: '`style2` + `mix` / `a+b mix=0.7`', help: "The first painting's share of the mix (default 0.5)",
    meaning: "several paintings, weighted (CLI: `--style a --style b --blend 0.7,0.3`; chat: two, `mix` = the first's share)", setBy: ['user'],
  },
  { key: 'styleScale', label: 'style scale', kind: 'number', min: 0.1, max: 4, defaultText: '1', cli: '--style-scale', cliArg: '<x>', chat: null, help: "Painting's scale relative to the output", meaning: "painting's scale relative to the output", setBy: ['user'] },
  { key: 'pooling', label: 'pooling', kind: 'choice', choices: ['max', 'avg'], defaultText: 'max', cli: '--pooling', cliArg: '<kind>', chat: null, help: 'VGG pooling', setBy: ['user'] },
  { key: 'optimizer', label: 'optimiser', kind: 'choice', choices: ['lbfgs', 'adam'], defaultText: 'lbfgs', cli: '--optimizer', cliArg: '<name>', chat: null, help: 'optimiser (L-BFGS or Adam)', setBy: ['user'] },
  { key: 'init', label: 'init', kind: 'choice', choices: ['content', 'noise', 'fast'], defaultText: 'content (fast where a network exists)', cli: '--init', cliArg: '<kind>', chat: null, help: 'Starting image', meaning: 'starting image', setBy: ['user'] },
];

/** The spec of one option by key; throws for a key the table lacks (a programming error). */
export function optionSpec(key: string): OptionSpec {
  const spec = OPTION_TABLE.find((o) => o.key === key);
  if (!spec) throw new Error(`option-table: no option "${key}"`);
  return spec;
}

function rangeText(o: OptionSpec): string {
  if (o.kind === 'choice') return o.choices!.map((c) => `\`${c}\``).join(' \\| ');
  if (o.kind === 'boolean') return 'on / off';
  if (o.min === undefined || o.max === undefined) return '> 0';
  return `${o.min} … ${o.max}`;
}

export const README_TABLE_START = '<!-- options-table: generated from src/requests/option-table.ts by `npx tsx scripts/gen-options.ts`; do not edit -->';
export const README_TABLE_END = '<!-- /options-table -->';

/** The README's options table (markdown), generated from OPTION_TABLE. */
export function readmeOptionsTable(): string {
  const rows = OPTION_TABLE.map((o) => {
    const chat = o.chatText ?? (o.chat ? `\`${o.chat}\`` : '—');
    return `| ${o.label} | \`${o.cli}\` | ${chat} | ${rangeText(o)} | ${o.defaultText} | ${o.setBy.join(', ')} | ${o.meaning ?? o.help} |`;
  });
  return ['| option | CLI | chat | range | default | set by | meaning |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** Replace the generated block in README text; throws when the markers are missing. */
export function withOptionsTable(readme: string): string {
  const start = readme.indexOf(README_TABLE_START);
  const end = readme.indexOf(README_TABLE_END);
  if (start < 0 || end < start) throw new Error('README: options-table markers missing');
  return `${readme.slice(0, start + README_TABLE_START.length)}\n${readmeOptionsTable()}\n${readme.slice(end)}`;
}

/**
 * The env vars the table names, as `.env.example` explains them: the operator's defaults and caps
 * of the knobs. `.env.example`'s block is generated from these (with the config's own defaults).
 */
export const OPTION_ENV_HELP: Readonly<Record<string, string>> = {
  EASEL_DEFAULT_SIZE: "Output's longest side when the user gives none (size / --size).",
  EASEL_MAX_SIZE: "The largest size anyone may ask for: a larger one is capped to it, with a note to the user (a server's admins may set a lower one).",
  EASEL_DEFAULT_QUALITY: `Quality when the user names none: ${QUALITIES.join(' | ')}.`,
  EASEL_MAX_ITERATIONS: 'Largest `iterations` a user may ask for: more is capped to this, with a note.',
};

export const ENV_BLOCK_START = '# ── generated from src/requests/option-table.ts by `npx tsx scripts/gen-options.ts`; do not edit ──';
export const ENV_BLOCK_END = '# ── end of the generated options ──';

/** The config's own default of each env var the table names (what an empty environment gives). */
export function optionEnvDefaults(): Record<string, string | number> {
  const c = loadConfig({});
  return { EASEL_DEFAULT_SIZE: c.render.defaultSize, EASEL_MAX_SIZE: c.render.maxSize, EASEL_DEFAULT_QUALITY: c.render.defaultQuality, EASEL_MAX_ITERATIONS: c.jobs.maxIterations };
}

/** `.env.example`'s lines for the table's env vars; `defaults`: each var's default (the config's). */
export function envExampleBlock(defaults: Readonly<Record<string, string | number>>): string {
  const names = [...new Set(OPTION_TABLE.flatMap((o) => o.env ?? []))];
  const lines = names.flatMap((name) => {
    const help = OPTION_ENV_HELP[name];
    if (help === undefined || defaults[name] === undefined) throw new Error(`option-table: no help or default for ${name}`);
    return [`# ${help}`, `${name}=${defaults[name]}`];
  });
  return [ENV_BLOCK_START, ...lines, ENV_BLOCK_END].join('\n');
}

/** Replace the generated block in `.env.example` text; throws when the markers are missing. */
export function withEnvBlock(text: string, defaults: Readonly<Record<string, string | number>>): string {
  const start = text.indexOf(ENV_BLOCK_START);
  const end = text.indexOf(ENV_BLOCK_END);
  if (start < 0 || end < start) throw new Error('.env.example: generated options markers missing');
  return `${text.slice(0, start)}${envExampleBlock(defaults)}${text.slice(end + ENV_BLOCK_END.length)}`;
}
