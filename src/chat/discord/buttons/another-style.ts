/** 🎨 Another style, under a result: a private select of presets (selects/style.ts paints the choice). */
import { MessageFlags } from 'discord.js';
import { WORDING } from '../../../requests/wording.ts';
import { loadRecipe } from '../../common/recipe.ts';
import { button, wholeKey } from '../handler.ts';
import { presetSelectRow } from '../preset-ui.ts';
import { replyError } from '../respond.ts';

export const anotherStyle = button({
  prefix: 'another',
  parse: wholeKey('recipeKey'),
  async run(interaction, { recipeKey }, ctx) {
    const recipe = await loadRecipe(ctx.jobs.blobs, recipeKey);
    if (!recipe) return replyError(interaction, WORDING.expired, ctx.log);
    const current = recipe.style?.kind === 'preset' ? recipe.style.presetId : undefined;
    await interaction.reply({ content: `🎨 ${WORDING.pickAnotherPainting}`, components: presetSelectRow(ctx.presets, recipeKey, current), flags: MessageFlags.Ephemeral });
  },
});
