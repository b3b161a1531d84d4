/**
 * Mixing two paintings from chat (`style:a style2:b mix:0.7` on Discord, `a+b mix=0.7` on Slack):
 * the rules written once — two different presets, each with a painting to optimise towards (a fast
 * network paints one style only), `mix` the first painting's weight.
 */
import type { Preset } from '../../presets/types.ts';
import type { StyleChoice } from '../../requests/style-request.ts';

/** A style made of presets (one, or two mixed). */
export type PresetChoice = Extract<StyleChoice, { kind: 'preset' }>;
import { WORDING } from '../../requests/wording.ts';

export const DEFAULT_MIX = 0.5;

/** The style choice for `first` mixed with `second`, or the words explaining why it can't be. */
export function mixedStyle(first: Preset, second: Preset, mix = DEFAULT_MIX): { ok: true; style: PresetChoice } | { ok: false; text: string } {
  if (first.id === second.id) return { ok: true, style: { kind: 'preset', presetId: first.id } };
  const noPainting = [first, second].find((p) => !p.styleImage);
  if (noPainting) return { ok: false, text: WORDING.cannotMix(noPainting.title) };
  if (!(mix > 0 && mix < 1)) return { ok: false, text: WORDING.badMix };
  return { ok: true, style: { kind: 'preset', presetId: first.id, blend: { presetId: second.id, mix } } };
}
