/**
 * resolveRequest: what was asked → what will be painted, decided once. Every entry point runs it —
 * the chat intake (src/chat/common/intake) for Discord and Slack alike, and `easel stylize` — and the
 * job stores its result, so the worker and planRender (render-plan.ts) only translate it into engine
 * settings.
 *
 *   asked options (as the user typed them, read but not range-checked)
 *   + server settings (defaults, largest size)      ┐
 *   + deployment caps (EASEL_DEFAULT_*, EASEL_MAX_*) ├→ EffectiveOptions + notes for the user
 *   + what the style can do (a painting? a fast network? a mix?)  ┘
 *
 * The one decision about values outside a limit: **cap to the limit and say so** ("size capped at
 * 1024 — Easel's limit"), for every knob and every entry point. Only what cannot be read at all (not
 * a number, an unknown choice) is refused, by the parsers, before this runs. A quality the style
 * cannot do becomes the nearest one it can (a mix or a painting without a fast network: 'fast' →
 * 'draft'; a network without a painting: any tier → 'fast'), with a note when the user named it.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import { DEFAULT_STRENGTH } from '../engine/params.ts';
import { QUALITIES, type Quality } from '../engine/types.ts';
import { BRUSHES } from './brush.ts';
import { optionSpec } from './option-table.ts';
import type { Preset, PresetCatalog } from '../presets/types.ts';
import { presetIdsOf, type RequestOptions, type StyleChoice } from './style-request.ts';
import { WORDING } from './wording.ts';

/** What a render is: every knob settled. Stored in the job; what the render and the result cache depend on. */
export const EffectiveOptions = z.object({
  size: z.number().int().min(32).max(4096),
  quality: z.enum(QUALITIES),
  strength: z.number().min(0).max(1),
  preserveColors: z.boolean(),
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  /** Absent: the tier's evaluation budget. */
  iterations: z.number().int().min(1).max(5000).optional(),
  brush: z.enum(BRUSHES),
});
export type EffectiveOptions = z.infer<typeof EffectiveOptions>;

/** What the style offers, known before any image is decoded (styleCapabilities builds it). */
export interface StyleCapabilities {
  /** Paintings to optimise towards (a preset's, or the user's images). */
  paintings: number;
  /** The fast feed-forward network that paints this style — only a single preset has one. */
  fastNetwork?: string;
  /** Several styles mixed (they have no fast network between them). */
  mixed?: boolean;
  /** Per-preset defaults of the first style (strength, style scale, pooling, init). */
  presetDefaults?: { strength?: number; styleScale?: number; pooling?: 'max' | 'avg'; init?: 'content' | 'noise' | 'fast' };
}

/** One part of a style as the capabilities see it: a preset, or an image of the user's. */
export type StylePart = { painting: boolean; fastNetwork?: string; defaults?: StyleCapabilities['presetDefaults'] };

/** The capabilities of a style made of these parts (a mix has no fast network: each network paints one style). */
export function styleCapabilities(parts: readonly StylePart[]): StyleCapabilities {
  const mixed = parts.length > 1;
  return {
    paintings: parts.filter((p) => p.painting).length,
    fastNetwork: mixed ? undefined : parts[0]?.fastNetwork,
    mixed,
    presetDefaults: parts[0]?.defaults,
  };
}

/** A preset as a part of a style. */
export function presetPart(preset: Pick<Preset, 'styleImage' | 'fastNetwork' | 'defaults'>): StylePart {
  return { painting: preset.styleImage !== undefined, fastNetwork: preset.fastNetwork, defaults: preset.defaults };
}

/**
 * The capabilities of a request's style choice: its presets (one, or two mixed) or the user's own
 * images (no network was trained on them). Undefined when a preset is unknown to `presets`.
 */
export function capabilitiesOf(style: StyleChoice, presets: Pick<PresetCatalog, 'get'>): StyleCapabilities | undefined {
  if (style.kind === 'images') return styleCapabilities(style.images.map(() => ({ painting: true })));
  const found = presetIdsOf(style).map((id) => presets.get(id));
  if (found.some((p) => !p)) return undefined;
  return styleCapabilities(found.map((p) => presetPart(p!)));
}

/** The deployment's defaults and caps (Config.render and Config.jobs; the CLI uses the same). */
export interface DeploymentCaps {
  defaultSize: number;
  maxSize: number;
  defaultQuality: Quality;
  maxIterations: number;
}

/** The deployment's caps as the config gives them (EASEL_DEFAULT_SIZE, EASEL_MAX_SIZE, EASEL_DEFAULT_QUALITY, EASEL_MAX_ITERATIONS). */
export function deploymentCaps(config: { render: Pick<Config['render'], 'defaultSize' | 'maxSize' | 'defaultQuality'>; jobs: Pick<Config['jobs'], 'maxIterations'> }): DeploymentCaps {
  return { defaultSize: config.render.defaultSize, maxSize: config.render.maxSize, defaultQuality: config.render.defaultQuality, maxIterations: config.jobs.maxIterations };
}

/** What a server's admins chose (src/settings ServerSettings): defaults and the largest size. */
export interface ServerChoices {
  defaultSize?: number;
  maxSize?: number;
  defaultQuality?: Quality;
}

export interface ResolveContext {
  caps: DeploymentCaps;
  server?: ServerChoices;
  style: StyleCapabilities;
}

/** A change Easel made to something the user asked for, in words for them. */
export interface Note {
  option: string;
  text: string;
}

export interface Resolved {
  options: EffectiveOptions;
  notes: Note[];
  /**
   * What was asked, as accepted: the asked options with each value Easel changed replaced by what it
   * became (the defaults stay unset). The request keeps this, so a follow-up made from it (Reroll,
   * Stronger…) is not told the same thing again.
   */
  accepted: RequestOptions;
}

/** A style that can paint nothing: neither a painting nor a fast network. */
export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolveError';
  }
}

/** `value` within [min, max] (and whole when `integer`), with a note when it had to change. */
function withinLimits(key: string, value: number, limits: { min: number; max: number; integer: boolean; maxWhy: string }, notes: Note[]): number {
  // The name people type for it in chat (`mix`), else the table's label.
  const spec = optionSpec(key);
  const what = spec.key === 'blend' ? spec.chat! : spec.label;
  let v = limits.integer ? Math.round(value) : value;
  if (v !== value) notes.push({ option: key, text: WORDING.rounded(what, v) });
  if (v > limits.max) {
    v = limits.max;
    notes.push({ option: key, text: WORDING.capped(what, v, limits.maxWhy) });
  } else if (v < limits.min) {
    v = limits.min;
    notes.push({ option: key, text: WORDING.raised(what, v, WORDING.rangeEnd(false)) });
  }
  return v;
}

/** The table's range of a numeric option. */
function tableRange(key: string): { min: number; max: number; integer: boolean; maxWhy: string } {
  const spec = optionSpec(key);
  return { min: spec.min ?? -Infinity, max: spec.max ?? Infinity, integer: spec.kind === 'integer', maxWhy: WORDING.rangeEnd(true) };
}

/** The nearest quality the style can do, and the note when the user named one it cannot. */
function qualityFor(asked: Quality | undefined, fallback: Quality, style: StyleCapabilities, notes: Note[]): Quality {
  const wanted = asked ?? fallback;
  const nothing = () => new ResolveError('this style has neither a painting nor a fast network');
  if (wanted === 'fast' && !style.fastNetwork) {
    if (style.paintings === 0) throw nothing();
    if (asked) notes.push({ option: 'quality', text: style.mixed ? WORDING.mixHasNoFastNetwork('draft') : WORDING.noFastNetwork('draft') });
    return 'draft';
  }
  if (wanted !== 'fast' && style.paintings === 0) {
    if (!style.fastNetwork) throw nothing();
    if (asked) notes.push({ option: 'quality', text: WORDING.onlyFastNetwork(wanted) });
    return 'fast';
  }
  return wanted;
}

/**
 * Asked options + server settings + deployment caps + the style's capabilities → the effective
 * options and what changed, in words. Pure. Throws ResolveError for a style that can paint nothing.
 */
export function resolveRequest(asked: RequestOptions, ctx: ResolveContext): Resolved {
  const notes: Note[] = [];
  const { caps, server = {}, style } = ctx;
  const quality = qualityFor(asked.quality, server.defaultQuality ?? caps.defaultQuality, style, notes);

  // The size: the server's largest when it is below Easel's, else Easel's (never above the table's).
  const serverCaps = server.maxSize !== undefined && server.maxSize < caps.maxSize;
  const maxSize = Math.min(serverCaps ? server.maxSize! : caps.maxSize, optionSpec('size').max!);
  const sizeLimits = { ...tableRange('size'), max: maxSize, maxWhy: serverCaps ? WORDING.serverLimit : WORDING.easelLimit };
  const size =
    asked.size !== undefined ? withinLimits('size', asked.size, sizeLimits, notes)
    // A default above a (server's) largest size is not the user's doing: capped without a word.
    : Math.min(server.defaultSize ?? caps.defaultSize, maxSize);

  const iterations = asked.iterations === undefined ? undefined : withinLimits('iterations', asked.iterations, { ...tableRange('iterations'), max: Math.min(caps.maxIterations, optionSpec('iterations').max!), maxWhy: WORDING.easelLimit }, notes);
  const strength = asked.strength === undefined ? (style.presetDefaults?.strength ?? DEFAULT_STRENGTH) : withinLimits('strength', asked.strength, tableRange('strength'), notes);
  const seed = asked.seed === undefined ? 0 : withinLimits('seed', asked.seed, tableRange('seed'), notes);

  const options = EffectiveOptions.parse({
    size,
    quality,
    strength,
    preserveColors: asked.preserveColors ?? false,
    seed,
    ...(iterations !== undefined ? { iterations } : {}),
    brush: asked.brush ?? 'normal',
  });
  const accepted: RequestOptions = { ...asked };
  for (const note of notes) Object.assign(accepted, { [note.option]: options[note.option as keyof EffectiveOptions] });
  return { options, notes, accepted };
}

/**
 * A knob outside resolveRequest's options (the chat's mix share, the CLI's style scale) held to the
 * table's range the same way: capped with a note.
 */
export function capToTable(key: 'blend' | 'styleScale', value: number, notes: Note[]): number {
  return withinLimits(key, value, tableRange(key), notes);
}
