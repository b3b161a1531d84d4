/**
 * One-click variations of a finished painting, platform-neutral: each button under a result names a
 * change of the request's options, and each click becomes a new request (the clicker's, under the
 * clicker's limits) with those options. The adapters only draw the buttons and route the clicks.
 *
 *   stronger / subtler  strength ± 0.25 within [0, 1] (not offered at the ends)
 *   colours             toggles "keep the photo's colours" (preserveColors)
 *   reroll              the same request with a new seed
 *   higher quality      the next tier; at the top tier a larger size (×1.5 up to the deployment's)
 *   another style       the same photo and options with another painting (always offered)
 *
 * Which of them a result offers is decided here too (followUpsFor), once for both platforms; the
 * click's new options go through the intake's resolveRequest like any request.
 */
import { randomInt } from 'node:crypto';
import { DEFAULT_OPTIONS } from '../engine/params.ts';
import { QUALITIES, type Quality } from '../engine/types.ts';
import type { PresetCatalog } from '../presets/types.ts';
import type { RequestOptions, StyleChoice } from './style-request.ts';
import { WORDING } from './wording.ts';

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
  return variation === 'stronger' ? WORDING.alreadyStrongest : variation === 'subtler' ? WORDING.alreadySubtlest : WORDING.variationNotAvailable;
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

/** The deployment's defaults as higherQuality takes them (Config.render). */
export interface FollowUpDefaults {
  quality: Quality;
  size: number;
  maxSize: number;
}

/** Config.render → FollowUpDefaults. */
export function renderDefaults(render: { defaultQuality: Quality; defaultSize: number; maxSize: number }): FollowUpDefaults {
  return { quality: render.defaultQuality, size: render.defaultSize, maxSize: render.maxSize };
}

/**
 * "Higher quality": the next quality tier; at the top tier, a larger size (×1.5 up to maxSize).
 * Undefined when there is nothing higher to offer.
 */
export function higherQuality(options: RequestOptions, defaults: FollowUpDefaults): RequestOptions | undefined {
  const quality = options.quality ?? defaults.quality;
  const tier = QUALITIES.indexOf(quality);
  if (tier < QUALITIES.length - 1) {
    // Iterations pin a tier's step count; a higher tier should bring its own.
    const { iterations: _iterations, ...rest } = options;
    return { ...rest, quality: QUALITIES[tier + 1] };
  }
  const size = Math.min(options.size ?? defaults.size, defaults.maxSize);
  const bigger = Math.min(defaults.maxSize, Math.round(size * 1.5));
  return bigger > size ? { ...options, quality, size: bigger } : undefined;
}

/** The buttons a result offers, the same on both platforms. */
export interface FollowUps {
  variations: Variation[];
  higherQuality: boolean;
}

/** Which follow-ups a finished request offers (its options as accepted, its style's default strength). */
export function followUpsFor(request: { style?: StyleChoice; options: RequestOptions }, deps: { presets: Pick<PresetCatalog, 'get'>; render: FollowUpDefaults }): FollowUps {
  return {
    variations: offeredVariations(request.options, effectiveStrength(request, deps.presets)),
    higherQuality: higherQuality(request.options, deps.render) !== undefined,
  };
}
