/**
 * Routes each interaction to its handler: commands by name (commands/index.ts), autocomplete to the
 * command's `autocomplete`, buttons, selects and modals by their custom id's prefix (components.ts).
 * Every handler is awaited inside a try/catch: a failing handler answers the user and logs, it
 * never takes the process down.
 */
import type { Interaction } from 'discord.js';
import { WORDING } from '../../requests/wording.ts';
import type { CommandModule, ComponentInteractions, ComponentKind } from './handler.ts';
import { componentFor } from './components.ts';
import type { DiscordContext } from './context.ts';
import { describeError } from '../../util/describe-error.ts';
import { replyError } from './respond.ts';

/** Which kind of component handler an interaction is for (undefined: not a component Easel uses). */
function componentKind(interaction: Interaction): ComponentKind | undefined {
  if (interaction.isButton()) return 'button';
  if (interaction.isStringSelectMenu()) return 'select';
  if (interaction.isModalSubmit()) return 'modal';
  return undefined;
}

export function createRouter(commands: readonly CommandModule[], ctx: DiscordContext) {
  const byName = new Map(commands.map((c) => [c.data.name, c]));

  return async function route(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isAutocomplete()) {
        const command = byName.get(interaction.commandName);
        if (command?.kind === 'slash' && command.autocomplete) await command.autocomplete(interaction, ctx);
        else await interaction.respond([]);
        return;
      }
      if (interaction.isChatInputCommand()) {
        const command = byName.get(interaction.commandName);
        if (command?.kind === 'slash') return await command.execute(interaction, ctx);
      } else if (interaction.isMessageContextMenuCommand()) {
        const command = byName.get(interaction.commandName);
        if (command?.kind === 'message-menu') return await command.execute(interaction, ctx);
      } else {
        const kind = componentKind(interaction);
        if (kind) return await runComponent(kind, interaction as ComponentInteractions[typeof kind], ctx);
        return;
      }
      // A command this build does not know (deployed by a newer or older version).
      ctx.log.warn({ command: interaction.commandName }, 'discord: unknown command');
      await replyError(interaction, WORDING.unknownCommand, ctx.log);
    } catch (err) {
      ctx.log.error({ interactionId: interaction.id, err: describeError(err) }, 'discord: interaction handler failed');
      if (interaction.isRepliable()) await replyError(interaction, WORDING.unexpected, ctx.log);
    }
  };
}

async function runComponent(kind: ComponentKind, interaction: ComponentInteractions[ComponentKind], ctx: DiscordContext): Promise<void> {
  const found = componentFor(kind, interaction.customId);
  if (!found) return; // not ours (another app's component, or an id this version no longer reads)
  try {
    await found.handler.run(interaction, found.args, ctx);
  } catch (err) {
    ctx.log.error({ interactionId: interaction.id, action: found.handler.prefix, err: describeError(err) }, 'discord: component failed');
    await replyError(interaction, WORDING.queueDown, ctx.log);
  }
}
