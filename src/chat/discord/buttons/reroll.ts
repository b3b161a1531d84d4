/** The "reroll" variation under a result (label and effect: requests/variations.ts). */
import { button, wholeKey } from '../handler.ts';
import { runVariation } from '../restyle.ts';

export const reroll = button({ prefix: 'reroll', parse: wholeKey('recipeKey'), run: runVariation('reroll') });
