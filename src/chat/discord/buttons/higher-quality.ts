/** ✨ Higher quality, under a result: the same painting one quality step up (or larger). */
import { WORDING } from '../../../requests/wording.ts';
import { higherQuality, renderDefaults } from '../../common/recipe.ts';
import { button, wholeKey } from '../handler.ts';
import { restyle } from '../restyle.ts';


export const higherQualityButton = button({
  prefix: 'hq',
  parse: wholeKey('recipeKey'),
  run: (interaction, { recipeKey }, ctx) => restyle(interaction, recipeKey, ctx, (recipe) => higherQuality(recipe.options, renderDefaults(ctx.config.render)) ?? WORDING.bestAlready),
});
