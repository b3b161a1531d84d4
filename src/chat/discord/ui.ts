/**
 * Discord message pieces around a job: the Cancel button while it runs and the buttons under a
 * result. Each button's custom id comes from its handler (buttons/*.ts); shared texts (progress
 * bar, captions, errors) come from src/chat/common/text.ts. Preset pieces: preset-ui.ts.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import type { RequestOptions } from '../../requests/style-request.ts';
import { VARIATION_EMOJI, variationLabel, type Variation } from '../../requests/variations.ts';
import { customId, fitsCustomId } from './custom-ids.ts';
import type { ComponentHandler } from './handler.ts';
import { anotherStyle } from './buttons/another-style.ts';
import { cancel } from './buttons/cancel.ts';
import { deleteResult } from './buttons/delete.ts';
import { higherQualityButton } from './buttons/higher-quality.ts';
import { keepColours } from './buttons/keep-colours.ts';
import { reroll } from './buttons/reroll.ts';
import { stronger } from './buttons/stronger.ts';
import { subtler } from './buttons/subtler.ts';
import type { Row } from './preset-ui.ts';

export { MAX_CHOICES, presetChoices, presetSelectRow, selectablePresets, stylesListing, truncate, type Row } from './preset-ui.ts';

const VARIATION_BUTTONS: Record<Variation, ComponentHandler<'button', any>> = { stronger, subtler, colours: keepColours, reroll };

/** A button for `handler` carrying `key`; undefined when the id would not fit Discord's limit. */
function buttonFor(handler: ComponentHandler<'button', any>, key: string, label: string, style: ButtonStyle, emoji: string): ButtonBuilder | undefined {
  return fitsCustomId(handler.prefix, key) ? new ButtonBuilder().setCustomId(customId(handler.prefix, key)).setLabel(label).setStyle(style).setEmoji(emoji) : undefined;
}

export function cancelRow(jobId: string): Row[] {
  const button = buttonFor(cancel, jobId, 'Cancel', ButtonStyle.Secondary, '✖️');
  return button ? [new ActionRowBuilder<ButtonBuilder>().addComponents(button).toJSON()] : [];
}

export interface ResultButtons {
  /** The recipe blob's key; without it (not stored) only Delete is offered. */
  recipeKey: string | undefined;
  canGoHigher: boolean;
  /** The variations worth offering (requests/variations.ts offeredVariations). */
  variations: readonly Variation[];
  options: RequestOptions;
  /** The job: Delete names it (for the logs); whose the result is, Easel's record of the message says. */
  jobId: string;
}

/**
 * The buttons under a result, in two rows (Discord allows five buttons a row): "Another style",
 * "Higher quality", Reroll; then Stronger, Subtler, Keep colours and Delete.
 */
export function resultRow(b: ResultButtons): Row[] {
  const recipeKey = b.recipeKey;
  const variation = (v: Variation) => (recipeKey && b.variations.includes(v) ? buttonFor(VARIATION_BUTTONS[v], recipeKey, variationLabel(v, b.options), ButtonStyle.Secondary, VARIATION_EMOJI[v]) : undefined);
  const first = recipeKey
    ? [buttonFor(anotherStyle, recipeKey, 'Another style', ButtonStyle.Primary, '🎨'), b.canGoHigher ? buttonFor(higherQualityButton, recipeKey, 'Higher quality', ButtonStyle.Secondary, '✨') : undefined, variation('reroll')]
    : [];
  const second = [variation('stronger'), variation('subtler'), variation('colours'), buttonFor(deleteResult, b.jobId, 'Delete', ButtonStyle.Danger, '🗑️')];
  return [first, second]
    .map((row) => row.filter((x): x is ButtonBuilder => x !== undefined))
    .filter((row) => row.length > 0)
    .map((row) => new ActionRowBuilder<ButtonBuilder>().addComponents(...row).toJSON());
}

export function mention(userId: string): string {
  return `<@${userId}>`;
}
