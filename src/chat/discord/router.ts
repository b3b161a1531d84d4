/**
 * Routes each interaction to its handler: commands by name (commands/*.ts), autocomplete to the
 * command's `autocomplete`, buttons and selects by custom id. Every handler is awaited inside a
 * try/catch: a failing handler answers the user and logs, it never takes the process down.
 */
import type { Interaction } from 'discord.js';
import { ERROR_TEXT } from '../common/text.ts';
import type { CommandModule } from './command.ts';
import { handleComponent } from './components.ts';
import type { DiscordContext } from './context.ts';
import { describeError } from '../../util/describe-error.ts';
import { replyError } from './respond.ts';

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
      } else if (interaction.isButton() || interaction.isStringSelectMenu()) {
        return await handleComponent(interaction, ctx);
      } else {
        return;
      }
      // A command this build does not know (deployed by a newer or older version).
      ctx.log.warn({ command: interaction.commandName }, 'discord: unknown command');
      await replyError(interaction, 'I don’t know that command any more — it may have been removed.', ctx.log);
    } catch (err) {
      ctx.log.error({ interactionId: interaction.id, err: describeError(err) }, 'discord: interaction handler failed');
      if (interaction.isRepliable()) await replyError(interaction, ERROR_TEXT.unexpected, ctx.log);
    }
  };
}
