/** Who is pressing: shared by the handlers that act only for the person a job or result belongs to. */
import type { ButtonInteraction, ModalSubmitInteraction, StringSelectMenuInteraction } from 'discord.js';
import type { Requester } from '../../jobs/types.ts';

/** Whether `owner` (a job's or result's record) is the member pressing: the same user on the same server. */
export function isRequester(owner: Requester, interaction: ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction): boolean {
  return owner.platform === 'discord' && owner.userId === interaction.user.id && owner.server === (interaction.guildId ?? undefined);
}
