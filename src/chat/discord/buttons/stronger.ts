/** The "stronger" variation under a result (label and effect: requests/variations.ts). */
import { button, wholeKey } from '../handler.ts';
import { runVariation } from '../restyle.ts';

export const stronger = button({ prefix: 'stronger', parse: wholeKey('recipeKey'), run: runVariation('stronger') });
