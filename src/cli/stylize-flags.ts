/**
 * `easel stylize`'s option flags, generated from the option table (src/requests/option-table.ts):
 * the flag, its value's name, its help and its choices come from there, never typed again here.
 * Light on purpose (commander and the table only): src/cli.ts builds every command at start.
 *
 * A flag refuses only what cannot be read (not a number, an unknown choice). A number outside the
 * table's range is read as given and capped by resolveRequest with a note, as Discord and Slack do.
 */
import { InvalidArgumentError, Option } from 'commander';
import { OPTION_TABLE, type OptionSpec } from '../requests/option-table.ts';

/** A number as typed, or a commander error naming the flag. */
function readNumber(spec: OptionSpec) {
  return (v: string) => {
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${spec.cli} must be a number${spec.min !== undefined && spec.max !== undefined ? ` (${spec.min} to ${spec.max})` : ''}`);
    return n;
  };
}

function helpOf(spec: OptionSpec): string {
  const range = spec.kind === 'integer' || spec.kind === 'number' ? (spec.min !== undefined && spec.max !== undefined ? `; ${spec.min}–${spec.max}` : '') : '';
  return `${spec.help}${range} (default ${spec.defaultText})`;
}

/** One commander Option per table entry. */
export function stylizeFlag(spec: OptionSpec): Option {
  if (spec.kind === 'boolean') return new Option(spec.cli, helpOf(spec));
  const option = new Option(`${spec.cli} ${spec.cliArg ?? '<value>'}`, helpOf(spec));
  // The CLI's blend is one weight per --style ("0.7,0.3"): read by stylize.ts, kept as text here.
  if (spec.key === 'blend') return option;
  if (spec.kind === 'choice') return option.choices([...spec.choices!]);
  return option.argParser(readNumber(spec));
}

/** Every option of the table as `easel stylize` flags; brush and style scale say the same thing two ways. */
export function stylizeFlags(): Option[] {
  return OPTION_TABLE.map((spec) => (spec.key === 'brush' ? stylizeFlag(spec).conflicts('styleScale') : stylizeFlag(spec)));
}
