/**
 * Answering an interaction with an error, whatever state it is in: errors are ephemeral and
 * friendly. A public deferred reply is deleted and replaced by an ephemeral follow-up (a follow-up
 * to a still-deferred reply would take the deferred reply's visibility instead).
 */
import { MessageFlags, type RepliableInteraction } from 'discord.js';
import type { Logger } from '../../log.ts';
import { describeError } from '../../util/describe-error.ts';

export async function replyError(interaction: RepliableInteraction, text: string, log: Logger): Promise<void> {
  const content = `⚠️ ${text}`;
  try {
    if (!interaction.deferred && !interaction.replied) {
      await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    } else if (interaction.ephemeral) {
      await interaction.editReply({ content, components: [], files: [], attachments: [] });
    } else {
      await interaction.deleteReply().catch(() => undefined);
      await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
    }
  } catch (err) {
    log.warn({ interactionId: interaction.id, err: describeError(err) }, 'discord: could not show an error to the user');
  }
}
