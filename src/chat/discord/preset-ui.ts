/**
 * The preset pieces of Discord messages: the select of presets (its custom id is selects/style.ts's),
 * autocomplete choices and the /styles listing. Shared by commands and buttons, so it lives beside
 * them rather than in one of them.
 */
import { ActionRowBuilder, StringSelectMenuBuilder, type APIActionRowComponent, type APIComponentInMessageActionRow } from 'discord.js';
import type { Preset, PresetCatalog } from '../../presets/types.ts';
import { WORDING } from '../../requests/wording.ts';
import { customId, fitsCustomId } from './custom-ids.ts';
import { styleSelect } from './selects/style.ts';

export type Row = APIActionRowComponent<APIComponentInMessageActionRow>;

/** Discord allows at most 25 options in a select menu and 25 autocomplete choices. */
export const MAX_CHOICES = 25;

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
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
  if (!options.length || !fitsCustomId(styleSelect.prefix, recipeKey)) return [];
  const select = new StringSelectMenuBuilder().setCustomId(customId(styleSelect.prefix, recipeKey)).setPlaceholder(WORDING.choosePainting).addOptions(options);
  return [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(select).toJSON()];
}

/** Autocomplete choices for a typed query: ≤ 25, "Title — Artist" → preset id. */
export function presetChoices(presets: PresetCatalog, query: string): { name: string; value: string }[] {
  return presets.search(query.trim(), MAX_CHOICES).slice(0, MAX_CHOICES).map((p) => ({ name: truncate(`${p.title} — ${p.artist}`, 100), value: p.id }));
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
