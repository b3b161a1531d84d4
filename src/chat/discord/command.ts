/**
 * The shape of a file in commands/ (the discord.js guide's layout): its definition, registered by
 * `easel deploy-commands`, and its handler, routed by name when the interaction arrives.
 */
import type { AutocompleteInteraction, ChatInputCommandInteraction, MessageContextMenuCommandInteraction, RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import type { DiscordContext } from './context.ts';

export interface SlashCommand {
  kind: 'slash';
  data: { name: string; toJSON(): RESTPostAPIApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: DiscordContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: DiscordContext): Promise<void>;
}

export interface MessageMenuCommand {
  kind: 'message-menu';
  data: { name: string; toJSON(): RESTPostAPIApplicationCommandsJSONBody };
  execute(interaction: MessageContextMenuCommandInteraction, ctx: DiscordContext): Promise<void>;
}

export type CommandModule = SlashCommand | MessageMenuCommand;
