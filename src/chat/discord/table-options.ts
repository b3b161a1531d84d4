/**
 * Discord slash-command options generated from the option table (src/requests/option-table.ts):
 * the name, description, range and choices come from there, never typed again here.
 */
import type { SlashCommandOptionsOnlyBuilder } from 'discord.js';
import { OPTION_TABLE, type OptionSpec } from '../../requests/option-table.ts';

/** The table's entry whose chat name is `name`; throws for a name the table lacks. */
export function chatOption(name: string): OptionSpec {
  const spec = OPTION_TABLE.find((o) => o.chat === name);
  if (!spec) throw new Error(`option-table: no chat option "${name}"`);
  return spec;
}

/** Add one table option to a slash command, typed by its kind. */
export function addTableOption(builder: SlashCommandOptionsOnlyBuilder, spec: OptionSpec): void {
  const name = spec.chat!;
  switch (spec.kind) {
    case 'integer':
      builder.addIntegerOption((o) => o.setName(name).setDescription(spec.help).setMinValue(spec.min!).setMaxValue(spec.max!));
      return;
    case 'number':
      builder.addNumberOption((o) => o.setName(name).setDescription(spec.help).setMinValue(spec.min!).setMaxValue(spec.max!));
      return;
    case 'boolean':
      builder.addBooleanOption((o) => o.setName(name).setDescription(spec.help));
      return;
    case 'choice':
      builder.addStringOption((o) => o.setName(name).setDescription(spec.help).addChoices(...spec.choices!.map((c) => ({ name: c, value: c }))));
      return;
  }
}
