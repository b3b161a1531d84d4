/**
 * One-click variations of a finished painting, platform-neutral: each button under a result names a
 * change of the request's options, and each click becomes a new request (the clicker's, under the
 * clicker's limits) with those options. The adapters only draw the buttons and route the clicks.
 *
 *   stronger / subtler  strength ± 0.25 within [0, 1] (not offered at the ends)
 *   colours             toggles "keep the photo's colours" (preserveColors)
 *   reroll              the same request with a new seed
 */
import { randomInt } from 'node:crypto';
import { DEFAULT_OPTIONS } from '../engine/params.ts';
import type { PresetCatalog } from '../presets/types.ts';
import type { RequestOptions, StyleChoice } from './style-request.ts';

export const VARIATIONS = ['stronger', 'subtler', 'colours', 'reroll'] as const;
export type Variation = (typeof VARIATIONS)[number];

/** How far Stronger / Subtler move the strength. */
export const STRENGTH_STEP = 0.25;
/** Seeds are non-negative 31-bit integers (the engine's PRNG takes 32 bits; JSON keeps them exact). */
const SEED_LIMIT = 2 ** 31;

export function isVariation(s: string): s is Variation {
  return (VARIATIONS as readonly string[]).includes(s);
}

/** The strength a request painted with: what the user set, else the preset's default, else the engine's. */
export function effectiveStrength(request: { style?: StyleChoice; options: RequestOptions }, presets: Pick<PresetCatalog, 'get'>): number {
  const preset = request.style?.kind === 'preset' ? presets.get(request.style.presetId) : undefined;
  return request.options.strength ?? preset?.defaults?.strength ?? DEFAULT_OPTIONS.strength;
}

/**
 * The options of `variation` applied to `options`, or undefined when it changes nothing (Stronger
 * at full strength, Subtler at none). `baseStrength`: effectiveStrength of the request.
 */
export function vary(options: RequestOptions, variation: Variation, baseStrength: number, newSeed: () => number = randomSeed): RequestOptions | undefined {
  switch (variation) {
    case 'stronger':
    case 'subtler': {
      const step = variation === 'stronger' ? STRENGTH_STEP : -STRENGTH_STEP;
      // Rounded to hundredths so that repeated steps stay exact (0.5 → 0.75 → 1, never 0.99999).
      const strength = Math.round(Math.min(1, Math.max(0, baseStrength + step)) * 100) / 100;
      return strength === baseStrength ? undefined : { ...options, strength };
    }
    case 'colours':
      return { ...options, preserveColors: !(options.preserveColors ?? DEFAULT_OPTIONS.preserveColors) };
    case 'reroll': {
      let seed = newSeed();
      // A reroll that drew the same seed would paint the same picture.
      while (seed === options.seed) seed = newSeed();
      return { ...options, seed };
    }
  }
}

/** The variations worth offering on a result (those that change something), in button order. */
export function offeredVariations(options: RequestOptions, baseStrength: number): Variation[] {
  return VARIATIONS.filter((v) => v === 'reroll' || v === 'colours' || vary(options, v, baseStrength) !== undefined);
}

/** Button labels, shared by both platforms; "Keep colours" reads as what a click will do. */
export function variationLabel(variation: Variation, options: RequestOptions): string {
  switch (variation) {
    case 'stronger':
      return 'Stronger';
    case 'subtler':
      return 'Subtler';
    case 'colours':
      return options.preserveColors ? 'Repaint colours' : 'Keep colours';
    case 'reroll':
      return 'Reroll';
  }
}

export const VARIATION_EMOJI: Record<Variation, string> = { stronger: '➕', subtler: '➖', colours: '🌈', reroll: '🎲' };

/** Why a variation could not be made (a stale button at a strength end). */
export function variationUnavailable(variation: Variation): string {
  return variation === 'stronger' ? "That's already the strongest I can paint it." : variation === 'subtler' ? "That's already as subtle as it gets." : 'That variation is not available here.';
}

/**
 * Who may delete a result: the person who asked for it, or (Discord) someone allowed to manage
 * the channel's messages. Written once so both platforms apply the same rule. `ownerId` comes from
 * Easel's record of the result (undefined when there is none any more: moderators only).
 */
export function mayDelete(clickerId: string, ownerId: string | undefined, canManageMessages = false): boolean {
  return clickerId === ownerId || canManageMessages;
}

export function randomSeed(): number {
  // Never 0: seed 0 is the engine's unrerolled start (reroll.ts).
  return randomInt(1, SEED_LIMIT);
}
