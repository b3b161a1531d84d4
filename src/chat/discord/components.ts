/**
 * Buttons and selects on Easel's messages: Cancel (while running), Another style, Higher quality,
 * the variations (Stronger, Subtler, Keep colours, Reroll), Delete, and the preset select (from
 * "Another style" or the "Stylize image" context menu). Anyone may restyle or vary a result shown
 * in a channel — the new job is theirs, under their own limits; only the asker may cancel, and
 * only the asker or a member with Manage Messages may delete.
 */
import { MessageFlags, PermissionFlagsBits, type ButtonInteraction, type StringSelectMenuInteraction } from 'discord.js';
import { ERROR_TEXT } from '../common/text.ts';
import type { DiscordContext } from './context.ts';
import { decodeCustomId } from './custom-ids.ts';
import { describeError } from '../../util/describe-error.ts';
import { contentOf, higherQuality, loadRecipe, renderDefaults } from '../common/recipe.ts';
import { replyError } from './respond.ts';
import { startJob } from './start-job.ts';
import { resolvePreset } from '../../presets/resolve.ts';
import { presetSelectRow } from './ui.ts';
import { effectiveStrength, mayDelete, variationUnavailable, vary } from '../../requests/variations.ts';
import type { Requester } from '../../jobs/types.ts';

export const NOT_YOURS_TEXT = ERROR_TEXT.notYours('the person who asked for it');
export const TOO_LATE_TEXT = ERROR_TEXT.tooLate;
export const BEST_ALREADY_TEXT = ERROR_TEXT.bestAlready;

/** Whether `owner` (a job's or result's record) is the member pressing: the same user on the same server. */
function isRequester(owner: Requester, interaction: ButtonInteraction | StringSelectMenuInteraction): boolean {
  return owner.platform === 'discord' && owner.userId === interaction.user.id && owner.server === (interaction.guildId ?? undefined);
}

export async function handleComponent(interaction: ButtonInteraction | StringSelectMenuInteraction, ctx: DiscordContext): Promise<void> {
  const action = decodeCustomId(interaction.customId);
  if (!action) return; // not ours
  try {
    switch (action.action) {
      case 'cancel': {
        // Whose the job is, its own record says (jobs.cancel checks it again); the button only names it.
        const owner = await ctx.jobs.ownerOf(action.jobId);
        if (!owner) return replyError(interaction, TOO_LATE_TEXT, ctx.log);
        if (!isRequester(owner, interaction)) return replyError(interaction, NOT_YOURS_TEXT, ctx.log);
        const cancelled = await ctx.jobs.cancel(action.jobId, interaction.user.id, interaction.guildId ?? undefined);
        if (!cancelled) return replyError(interaction, TOO_LATE_TEXT, ctx.log);
        // The 'cancelled' event edits the message to its final text; until then, no more buttons.
        await interaction.update({ content: '✖️ Cancelling…', components: [] });
        return;
      }
      case 'another': {
        const recipe = await loadRecipe(ctx.jobs.blobs, action.recipeKey);
        if (!recipe) return replyError(interaction, ERROR_TEXT.expired, ctx.log);
        const current = recipe.style?.kind === 'preset' ? recipe.style.presetId : undefined;
        await interaction.reply({ content: '🎨 Pick another painting:', components: presetSelectRow(ctx.presets, action.recipeKey, current), flags: MessageFlags.Ephemeral });
        return;
      }
      case 'hq': {
        const recipe = await loadRecipe(ctx.jobs.blobs, action.recipeKey);
        if (!recipe?.style) return replyError(interaction, ERROR_TEXT.expired, ctx.log);
        const options = higherQuality(recipe.options, renderDefaults(ctx.config.render));
        if (!options) return replyError(interaction, BEST_ALREADY_TEXT, ctx.log);
        await interaction.deferReply();
        await startJob(ctx, interaction, { content: contentOf(recipe), style: recipe.style, options });
        return;
      }
      case 'stronger':
      case 'subtler':
      case 'colours':
      case 'reroll': {
        const recipe = await loadRecipe(ctx.jobs.blobs, action.recipeKey);
        if (!recipe?.style) return replyError(interaction, ERROR_TEXT.expired, ctx.log);
        const options = vary(recipe.options, action.action, effectiveStrength(recipe, ctx.presets));
        if (!options) return replyError(interaction, variationUnavailable(action.action), ctx.log);
        await interaction.deferReply();
        await startJob(ctx, interaction, { content: contentOf(recipe), style: recipe.style, options });
        return;
      }
      case 'delete': {
        const moderator = interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
        // Whose result this is: Easel's record of the message the button sits on (Discord names the
        // message), never the custom id — a client can send any string there.
        const record = await ctx.jobs.resultAt('discord', interaction.message.id);
        const ownerId = record && isRequester(record.owner, interaction) ? interaction.user.id : undefined;
        if (!mayDelete(interaction.user.id, ownerId, moderator)) {
          ctx.log.info({ messageId: interaction.message.id, by: interaction.user.id, owner: record?.owner.userId, claimedJob: action.jobId }, 'discord: delete refused');
          return replyError(interaction, record || moderator ? ERROR_TEXT.notYoursToDelete : ERROR_TEXT.resultOwnerUnknown, ctx.log);
        }
        // The message the button sits on is the interaction's "original response" once acknowledged.
        await interaction.deferUpdate();
        await interaction.deleteReply();
        ctx.log.info({ messageId: interaction.message.id, by: interaction.user.id, owner: record?.owner.userId, jobId: record?.jobId }, 'discord: result deleted');
        return;
      }
      case 'style': {
        if (!interaction.isStringSelectMenu()) return;
        const recipe = await loadRecipe(ctx.jobs.blobs, action.recipeKey);
        if (!recipe) return replyError(interaction, ERROR_TEXT.expired, ctx.log);
        const chosen = interaction.values[0] ?? '';
        const preset = resolvePreset(ctx.presets, chosen);
        if (!preset) return replyError(interaction, ERROR_TEXT.unknownPreset(chosen, { listCommand: '/styles' }), ctx.log);
        await interaction.deferReply();
        await startJob(ctx, interaction, { content: contentOf(recipe), style: { kind: 'preset', presetId: preset.id }, options: recipe.options });
        return;
      }
    }
  } catch (err) {
    ctx.log.error({ interactionId: interaction.id, action: action.action, err: describeError(err) }, 'discord: component failed');
    await replyError(interaction, ERROR_TEXT.queueDown, ctx.log);
  }
}
