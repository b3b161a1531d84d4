/**
 * Discord slash-command options generated from the option table (src/requests/option-table.ts):
 * the name, description, range and choices come from there, never typed again here.
 */
import type { ChatInputCommandInteraction, SlashCommandOptionsOnlyBuilder } from 'discord.js';
import { OPTION_TABLE, type OptionSpec } from '../../requests/option-table.ts';
import type { RequestOptions } from '../../requests/style-request.ts';

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

/**
 * The request's options as the user set them, read by the table: each table option the command
 * has, by its kind (the mix belongs to the style and is read with it). Ranges are not checked here:
 * Discord's client keeps values within the table's, and resolveRequest caps them to the server's and
 * the deployment's limits, with a note, as for Slack and the CLI.
 */
export function tableOptionsFrom(interaction: Pick<ChatInputCommandInteraction, 'options'>): RequestOptions {
  const options: Record<string, unknown> = {};
  for (const spec of OPTION_TABLE) {
    if (!spec.chat || spec.key === 'blend') continue;
    const name = spec.chat;
    const value =
      spec.kind === 'integer' ? interaction.options.getInteger(name)
      : spec.kind === 'number' ? interaction.options.getNumber(name)
      : spec.kind === 'boolean' ? interaction.options.getBoolean(name)
      : interaction.options.getString(name);
    if (value === null) continue;
    if (spec.kind === 'choice' && !spec.choices!.includes(value as string)) continue;
    options[spec.key] = value;
  }
  return options as RequestOptions;
}
