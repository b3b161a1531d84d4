/**
 * An interaction that came over HTTP (interactions-endpoint.ts) as the same discord.js object the
 * gateway would have produced, so every handler (commands/, buttons/, selects/) serves both
 * transports unchanged: replies, deferrals and edits go through the interaction callback and
 * webhook routes on DISCORD_API_BASE either way. discord.js builds these from the gateway's
 * INTERACTION_CREATE, whose payload is the one Discord POSTs to the endpoint.
 */
import {
  ApplicationCommandType,
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  ComponentType,
  InteractionType,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
  StringSelectMenuInteraction,
  type ChannelType,
  type Client,
  type Interaction,
} from 'discord.js';

/**
 * The channel's type as the payload gave it, for interactions whose channel this process has not
 * cached (no gateway session for its server): whether a thread may be started depends on it.
 */
const payloadChannelTypes = new WeakMap<object, ChannelType>();

/** The type of the channel an interaction happened in: from the cache, else from its payload. */
export function channelTypeOf(interaction: Interaction): ChannelType | undefined {
  return interaction.channel?.type ?? payloadChannelTypes.get(interaction);
}

type InteractionClass = new (client: Client, data: unknown) => Interaction;

function classFor(payload: Record<string, any>): InteractionClass | undefined {
  switch (payload.type) {
    case InteractionType.ApplicationCommand:
      if (payload.data?.type === ApplicationCommandType.ChatInput) return ChatInputCommandInteraction as unknown as InteractionClass;
      if (payload.data?.type === ApplicationCommandType.Message) return MessageContextMenuCommandInteraction as unknown as InteractionClass;
      return undefined;
    case InteractionType.ApplicationCommandAutocomplete:
      return AutocompleteInteraction as unknown as InteractionClass;
    case InteractionType.MessageComponent:
      if (payload.data?.component_type === ComponentType.Button) return ButtonInteraction as unknown as InteractionClass;
      if (payload.data?.component_type === ComponentType.StringSelect) return StringSelectMenuInteraction as unknown as InteractionClass;
      return undefined;
    case InteractionType.ModalSubmit:
      return ModalSubmitInteraction as unknown as InteractionClass;
    default:
      return undefined;
  }
}

/** The discord.js interaction for a raw payload; undefined for a kind Easel has no handler for. */
export function interactionFromPayload(client: Client, payload: Record<string, any>): Interaction | undefined {
  const Class = classFor(payload);
  if (!Class) return undefined;
  const interaction = new Class(client, payload);
  if (typeof payload.channel?.type === 'number') payloadChannelTypes.set(interaction, payload.channel.type as ChannelType);
  return interaction;
}
