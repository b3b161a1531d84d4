/** The "Keep colours" variation under a result (label and effect: requests/variations.ts). */
import { button, wholeKey } from '../handler.ts';
import { runVariation } from '../restyle.ts';

export const keepColours = button({ prefix: 'colours', parse: wholeKey('recipeKey'), run: runVariation('colours') });
