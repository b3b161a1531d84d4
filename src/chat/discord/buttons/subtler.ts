/** The "subtler" variation under a result (label and effect: requests/variations.ts). */
import { button, wholeKey } from '../handler.ts';
import { runVariation } from '../restyle.ts';

export const subtler = button({ prefix: 'subtler', parse: wholeKey('recipeKey'), run: runVariation('subtler') });
