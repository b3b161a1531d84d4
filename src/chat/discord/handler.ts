/**
 * The shapes of Discord's interaction handlers, one file each (the discord.js guide's command
 * layout; Sapphire's interaction handlers for buttons, selects and modals):
 *
 *   commands/<name>.ts   definition (registered by `easel deploy-commands`) + execute (+ autocomplete)
 *   buttons/<name>.ts    custom-id prefix + parse + run
 *   selects/<name>.ts    custom-id prefix + parse + run
 *   modals/<name>.ts     custom-id prefix + parse + run
 *
 * The router (router.ts) finds a handler from the registries (commands/index.ts, components.ts):
 * adding a button is one new file and one line in components.ts. Handlers never import each other;
 * what two of them share lives beside them (requester.ts, variation.ts, preset-ui.ts).
 */
import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
  RESTPostAPIApplicationCommandsJSONBody,
  StringSelectMenuInteraction,
} from 'discord.js';
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

/** The interaction each kind of component handler receives. */
export interface ComponentInteractions {
  button: ButtonInteraction;
  select: StringSelectMenuInteraction;
  modal: ModalSubmitInteraction;
}
export type ComponentKind = keyof ComponentInteractions;

/**
 * A button, select or modal: its custom ids read `easel:<prefix>:<parts…>` (custom-ids.ts). `parse`
 * turns the parts after the prefix into what `run` needs (undefined: not a well-formed id of this
 * handler); the parts are keys the client hands back, never proof of whose something is.
 */
export interface ComponentHandler<K extends ComponentKind = ComponentKind, A extends Record<string, string> = Record<string, string>> {
  kind: K;
  prefix: string;
  parse(parts: readonly string[]): A | undefined;
  run(interaction: ComponentInteractions[K], args: A, ctx: DiscordContext): Promise<void>;
}

/** Declare a button handler (typed by its parsed arguments). */
export function button<A extends Record<string, string>>(h: Omit<ComponentHandler<'button', A>, 'kind'>): ComponentHandler<'button', A> {
  return { kind: 'button', ...h };
}

/** Declare a string-select handler. */
export function select<A extends Record<string, string>>(h: Omit<ComponentHandler<'select', A>, 'kind'>): ComponentHandler<'select', A> {
  return { kind: 'select', ...h };
}

/** Declare a modal-submit handler. */
export function modal<A extends Record<string, string>>(h: Omit<ComponentHandler<'modal', A>, 'kind'>): ComponentHandler<'modal', A> {
  return { kind: 'modal', ...h };
}

/** The parts after the prefix as one key (blob keys may contain ':'). */
export function wholeKey<N extends string>(name: N): (parts: readonly string[]) => Record<N, string> | undefined {
  return (parts) => (parts.length >= 1 && parts.join(':') ? ({ [name]: parts.join(':') } as Record<N, string>) : undefined);
}
