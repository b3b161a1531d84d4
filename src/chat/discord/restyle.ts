/**
 * Shared by the buttons that paint a result again with other options (Higher quality, Stronger,
 * Subtler, Keep colours, Reroll): the result's recipe → new options → a new job, the presser's own
 * (under their own limits).
 */
import type { ButtonInteraction } from 'discord.js';
import { WORDING } from '../../requests/wording.ts';
import { contentOf, loadRecipe, type Recipe } from '../common/recipe.ts';
import type { RequestOptions } from '../../requests/style-request.ts';
import { effectiveStrength, variationUnavailable, vary, type Variation } from '../../requests/variations.ts';
import type { DiscordContext } from './context.ts';
import { replyError } from './respond.ts';
import { startJob } from './start-job.ts';

/**
 * Load the recipe, ask `options` for the new options (a string: why not, told to the presser), then
 * defer publicly and queue the new job.
 */
export async function restyle(interaction: ButtonInteraction, recipeKey: string, ctx: DiscordContext, options: (recipe: Recipe & { style: NonNullable<Recipe['style']> }) => RequestOptions | string): Promise<void> {
  const recipe = await loadRecipe(ctx.jobs.blobs, recipeKey);
  if (!recipe?.style) return replyError(interaction, WORDING.expired, ctx.log);
  const style = recipe.style;
  const next = options({ ...recipe, style });
  if (typeof next === 'string') return replyError(interaction, next, ctx.log);
  await interaction.deferReply();
  await startJob(ctx, interaction, { content: contentOf(recipe), style, options: next });
}

/** A variation button's run: the result's options varied (requests/variations.ts). */
export function runVariation(variation: Variation) {
  return (interaction: ButtonInteraction, args: { recipeKey: string }, ctx: DiscordContext) =>
    restyle(interaction, args.recipeKey, ctx, (recipe) => vary(recipe.options, variation, effectiveStrength(recipe, ctx.presets)) ?? variationUnavailable(variation));
}
