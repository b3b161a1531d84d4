/** ✨ Higher quality, under a result: the same painting one quality step up (or larger). */
import { ERROR_TEXT } from '../../common/text.ts';
import { higherQuality, renderDefaults } from '../../common/recipe.ts';
import { button, wholeKey } from '../handler.ts';
import { restyle } from '../restyle.ts';

export const BEST_ALREADY_TEXT = ERROR_TEXT.bestAlready;

export const higherQualityButton = button({
  prefix: 'hq',
  parse: wholeKey('recipeKey'),
  run: (interaction, { recipeKey }, ctx) => restyle(interaction, recipeKey, ctx, (recipe) => higherQuality(recipe.options, renderDefaults(ctx.config.render)) ?? BEST_ALREADY_TEXT),
});
