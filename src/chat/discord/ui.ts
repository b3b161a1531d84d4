/**
 * Discord message pieces: buttons, the preset select, and the wording around them. Shared texts
 * (progress bar, captions, errors) come from src/chat/common/text.ts; this file only shapes them
 * into Discord components and markdown.
 */
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, StringSelectMenuBuilder, type APIActionRowComponent, type APIComponentInMessageActionRow } from 'discord.js';
import type { Preset, PresetCatalog } from '../../presets/types.ts';
import type { RequestOptions } from '../../requests/style-request.ts';
import { VARIATION_EMOJI, variationLabel, type Variation } from '../../requests/variations.ts';
import { encodeCustomId, fitsCustomId, type ComponentAction } from './custom-ids.ts';

export type Row = APIActionRowComponent<APIComponentInMessageActionRow>;

/** Discord allows at most 25 options in a select menu and 25 autocomplete choices. */
export const MAX_CHOICES = 25;

export function cancelRow(jobId: string): Row[] {
  const action = { action: 'cancel', jobId } as const;
  if (!fitsCustomId(action)) return [];
  const button = new ButtonBuilder().setCustomId(encodeCustomId(action)).setLabel('Cancel').setStyle(ButtonStyle.Secondary).setEmoji('✖️');
  return [new ActionRowBuilder<ButtonBuilder>().addComponents(button).toJSON()];
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
  const button = (action: ComponentAction, label: string, style: ButtonStyle, emoji: string) =>
    fitsCustomId(action) ? new ButtonBuilder().setCustomId(encodeCustomId(action)).setLabel(label).setStyle(style).setEmoji(emoji) : undefined;
  const recipeKey = b.recipeKey;
  const variation = (v: Variation) => (recipeKey && b.variations.includes(v) ? button({ action: v, recipeKey }, variationLabel(v, b.options), ButtonStyle.Secondary, VARIATION_EMOJI[v]) : undefined);
  const first = recipeKey
    ? [button({ action: 'another', recipeKey }, 'Another style', ButtonStyle.Primary, '🎨'), b.canGoHigher ? button({ action: 'hq', recipeKey }, 'Higher quality', ButtonStyle.Secondary, '✨') : undefined, variation('reroll')]
    : [];
  const second = [variation('stronger'), variation('subtler'), variation('colours'), button({ action: 'delete', jobId: b.jobId }, 'Delete', ButtonStyle.Danger, '🗑️')];
  return [first, second]
    .map((row) => row.filter((x): x is ButtonBuilder => x !== undefined))
    .filter((row) => row.length > 0)
    .map((row) => new ActionRowBuilder<ButtonBuilder>().addComponents(...row).toJSON());
}

/** The presets offered in a select: public-domain first, as the catalog orders its search. */
export function selectablePresets(presets: PresetCatalog): Preset[] {
  const ranked = presets.search('', MAX_CHOICES);
  return ranked.length ? ranked : presets.all().slice(0, MAX_CHOICES);
}

export function presetSelectRow(presets: PresetCatalog, recipeKey: string, exclude?: string): Row[] {
  const options = selectablePresets(presets)
    .filter((p) => p.id !== exclude)
    .map((p) => ({ label: truncate(p.title, 100), description: truncate(`${p.artist}${p.year ? `, ${p.year}` : ''}`, 100), value: p.id }));
  if (!options.length || !fitsCustomId({ action: 'style', recipeKey })) return [];
  const select = new StringSelectMenuBuilder().setCustomId(encodeCustomId({ action: 'style', recipeKey })).setPlaceholder('Choose a painting…').addOptions(options);
  return [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(select).toJSON()];
}

/** Autocomplete choices for a typed query: ≤ 25, "Title — Artist" → preset id. */
export function presetChoices(presets: PresetCatalog, query: string): { name: string; value: string }[] {
  return presets.search(query.trim(), MAX_CHOICES).slice(0, MAX_CHOICES).map((p) => ({ name: truncate(`${p.title} — ${p.artist}`, 100), value: p.id }));
}

export function mention(userId: string): string {
  return `<@${userId}>`;
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The /styles listing: one line per preset, within Discord's 2000-character message limit. */
export function stylesListing(presets: PresetCatalog): string {
  const lines = presets.all().map((p) => `• **${p.title}** — ${p.artist}${p.year ? ` (${p.year})` : ''} · \`${p.id}\``);
  const head = `🖼️ **${lines.length} styles** — use one with \`/stylize style:\`\n`;
  let out = head;
  for (const line of lines) {
    if (out.length + line.length + 1 > 1900) {
      out += '\n…';
      break;
    }
    out += `${line}\n`;
  }
  return out.trimEnd();
}
