/**
 * The preset select (from "Another style" or the "Stylize image" context menu): paints the
 * recipe's photo in the chosen painting, with the recipe's options.
 */
import { WORDING } from '../../../requests/wording.ts';
import { contentOf, loadRecipe } from '../../common/recipe.ts';
import { resolvePreset } from '../../../presets/resolve.ts';
import { select, wholeKey } from '../handler.ts';
import { replyError } from '../respond.ts';
import { startJob } from '../start-job.ts';

export const styleSelect = select({
  prefix: 'style',
  parse: wholeKey('recipeKey'),
  async run(interaction, { recipeKey }, ctx) {
    const recipe = await loadRecipe(ctx.jobs.blobs, recipeKey);
    if (!recipe) return replyError(interaction, WORDING.expired, ctx.log);
    const chosen = interaction.values[0] ?? '';
    const preset = resolvePreset(ctx.presets, chosen);
    if (!preset) return replyError(interaction, WORDING.unknownPreset(chosen, { listCommand: '/styles' }), ctx.log);
    await interaction.deferReply();
    await startJob(ctx, interaction, { content: contentOf(recipe), style: { kind: 'preset', presetId: preset.id }, options: recipe.options });
  },
});
