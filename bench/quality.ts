/**
 * `npm run bench -- --only quality [--json] [--sizes 256,512] [--pairs golden_gate:starry-night,…]
 * [--tiers draft,balanced,best] [--out out/quality]`: how close each quality tier comes to the
 * painting's style and the photo's content, against the baseline recipe (quality-baseline.ts), in
 * the same run. Per pair, size and tier: style and content distance (src/engine/distance.ts), time,
 * and each as a ratio to the baseline, with whether the tier meets issue #14's bar. Writes a contact
 * sheet per size (photo | baseline | each tier) to <out>-<size>.png.
 * `--strengths 0.25,0.5,0.75,1` and `--seeds 1,2` measure those knobs (bench/knobs.ts) — alone, unless
 * `--tiers` is given too — into the JSON's `strengths` and `seeds` fields.
 */
import path from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { decodeImage, resizeToLongest } from '../src/images/index.ts';
import { ENGINE_FACTORIES } from '../src/engine/index.ts';
import { render } from '../src/engine/render.ts';
import { planRender } from '../src/requests/render-plan.ts';
import { resolveRequest } from '../src/requests/resolve.ts';
import type { FastStyleRunner } from '../src/engine/fast-style/types.ts';
import { measureDistances, type Distances } from '../src/engine/distance.ts';
import type { LossBackend, Quality } from '../src/engine/types.ts';
import { loadPresets } from '../src/presets/index.ts';
import { renderBaseline } from './quality-baseline.ts';
import { contactSheet, type SheetRow } from './quality-sheet.ts';
import { formatSeedTable, formatStrengthTable, measureSeeds, measureStrengths, type SeedRow, type StrengthRow } from './knobs.ts';

type Tier = Exclude<Quality, 'fast'>;

export interface QualityBenchOptions {
  sizes?: string;
  pairs?: string;
  tiers?: string;
  out?: string;
  json?: boolean;
  /** Measure every pair at these strengths (balanced, first size; bench/knobs.ts); strip of the first pair in <out>-strength.png. */
  strengths?: string;
  /** Measure every pair at these seeds (balanced, and fast where the preset has a network); sheet in <out>-reroll.png. */
  seeds?: string;
}

/** 3 photos × 4 paintings of different kinds (swirls, figures, flat graphic, abstract). */
export const DEFAULT_PAIRS = ['golden_gate', 'stata', 'dancer_ballerina'].flatMap((photo) =>
  ['starry-night', 'the-scream', 'great-wave', 'composition-vii'].map((preset) => `${photo}:${preset}`),
);

/** Issue #14's bars, against the baseline in the same run: distance ratios (both) and time ratio. */
export const QUALITY_BARS: Record<Tier, { distance: number; strict: boolean; time: number }> = {
  draft: { distance: 1.15, strict: false, time: 0.05 },
  balanced: { distance: 1.05, strict: false, time: 0.15 },
  best: { distance: 1, strict: true, time: Infinity },
};

export interface QualityRow {
  pair: string;
  size: number;
  tier: Tier | 'baseline';
  style: number;
  content: number;
  ms: number;
  /** Loss+gradient evaluations: the work, whatever else the machine was doing meanwhile. */
  evaluations: number;
  /** Ratios to the baseline of the same pair and size (1 for the baseline itself). */
  styleRatio: number;
  contentRatio: number;
  timeRatio: number;
  meetsBar: boolean | null;
}

export function meetsBar(tier: Tier, r: Pick<QualityRow, 'styleRatio' | 'contentRatio' | 'timeRatio'>): boolean {
  const bar = QUALITY_BARS[tier];
  const within = (x: number) => (bar.strict ? x < bar.distance : x <= bar.distance);
  return within(r.styleRatio) && within(r.contentRatio) && r.timeRatio <= bar.time;
}

function list(s: string | undefined, fallback: string[]): string[] {
  return s ? s.split(',').map((x) => x.trim()).filter(Boolean) : fallback;
}

/**
 * The engine a render would use (EASEL_ENGINE, else ONNX Runtime when it loads, else tfjs): its
 * LossBackend (shared by the baseline and the tiers) and its fast-network runner, loaded on first
 * use (the tiers start from a preset's network where the preset says so).
 */
async function engineForBench(): Promise<{ backend: LossBackend; fastStyle: () => Promise<FastStyleRunner>; dispose(): Promise<void> }> {
  const config = loadConfig();
  const failures: string[] = [];
  for (const f of ENGINE_FACTORIES.filter((e) => config.render.engine === 'auto' || e.name === config.render.engine)) {
    const o = { weightsDir: config.assets.weightsDir, backend: config.render.backend, onnxProviders: config.render.onnxProviders, log: silentLogger };
    try {
      const backend = await f.createLossBackend(o);
      let runner: Promise<FastStyleRunner> | undefined;
      const fastStyle = () => {
        if (!f.createFastStyle) return Promise.reject(new Error(`the ${f.name} engine has no fast networks`));
        return (runner ??= f.createFastStyle(o));
      };
      const dispose = async () => {
        backend.dispose();
        await (await runner?.catch(() => undefined))?.dispose();
      };
      return { backend, fastStyle, dispose };
    } catch (err) {
      failures.push(`${f.name}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no engine loads (${failures.join('; ')})`);
}

export async function runQualityBench(opts: QualityBenchOptions): Promise<QualityRow[]> {
  const config = loadConfig();
  const sizes = list(opts.sizes, ['256', '512']).map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 64)) throw new Error(`--sizes: give whole numbers of px ≥ 64, got '${opts.sizes}'`);
  const tiers = list(opts.tiers, ['draft', 'balanced', 'best']) as Tier[];
  const unknownTier = tiers.find((t) => !(t in QUALITY_BARS));
  if (unknownTier) throw new Error(`--tiers: '${unknownTier}' is not one of ${Object.keys(QUALITY_BARS).join(', ')}`);
  const catalog = await loadPresets(config.assets.presetsDir);
  const pairs = await Promise.all(
    list(opts.pairs, DEFAULT_PAIRS).map(async (spec) => {
      const [photoName, presetId] = spec.split(':');
      const preset = presetId ? catalog.get(presetId) : undefined;
      if (!preset?.styleImage) throw new Error(`--pairs: '${spec}' is not photo:preset with a preset that has a painting (e.g. golden_gate:starry-night)`);
      const photoFile = path.join(config.assets.presetsDir, 'photos', `${photoName}.jpg`);
      const photo = await decodeImage(await readFile(photoFile).catch(() => Promise.reject(new Error(`--pairs: no photo ${photoFile} (run \`easel assets\`?)`))));
      const painting = await decodeImage(await readFile(catalog.styleImagePath(preset)));
      const style = { paintings: 1, fastNetwork: preset.fastNetwork, presetDefaults: preset.defaults };
      return { name: `${photoName} × ${preset.id}`, photo, painting, style, fastNetwork: preset.fastNetwork };
    }),
  );
  // Progress goes to stderr in both modes: a full run is an hour at 512 px, and --json keeps stdout for the rows.
  const say = (s: string) => process.stderr.write(`${s}\n`);
  const engine = await engineForBench();
  const { backend } = engine;
  const rows: QualityRow[] = [];
  const strengthRows: StrengthRow[] = [];
  const seedRows: SeedRow[] = [];
  const out = opts.out ?? path.join('out', 'quality');
  // The knob measures alone are minutes; the tiers against the baseline an hour: only when asked.
  const knobsOnly = Boolean(opts.strengths || opts.seeds) && !opts.tiers;
  try {
    for (const size of knobsOnly ? [] : sizes) {
      const sheet: SheetRow[] = [];
      for (const pair of pairs) {
        say(`${pair.name} @ ${size} px: baseline…`);
        // One untimed evaluation first: it builds the ONNX sessions for this size, which the
        // baseline would otherwise pay for alone and the tiers then reuse (a 10–20 s head start).
        await renderBaseline(backend, pair.photo, pair.painting, size, 1);
        const base = await renderBaseline(backend, pair.photo, pair.painting, size);
        const baseD = await measureDistances(backend, base.image, pair.photo, pair.painting);
        const row = (tier: QualityRow['tier'], d: Distances, ms: number, evaluations: number): QualityRow => {
          const r = { pair: pair.name, size, tier, ...d, ms, evaluations, styleRatio: d.style / baseD.style, contentRatio: d.content / baseD.content, timeRatio: ms / base.ms };
          const done = { ...r, meetsBar: tier === 'baseline' ? null : meetsBar(tier, r) };
          say(`  ${tier}: ${fmt(d)} in ${(ms / 1000).toFixed(1)} s${tier === 'baseline' ? '' : ` (${r.styleRatio.toFixed(2)} / ${r.contentRatio.toFixed(2)} / ${r.timeRatio.toFixed(3)} of the baseline)`}`);
          return done;
        };
        rows.push(row('baseline', baseD, base.ms, base.evaluations));
        const cells: SheetRow['cells'] = [
          { caption: 'photo', image: await resizeToLongest(pair.photo, size) },
          { caption: `baseline ${fmt(baseD)}`, image: base.image },
        ];
        // Each tier renders as a user's request would (the render plan: the preset's defaults, e.g.
        // a start from its fast network) and computes its own Gram targets, as the baseline does,
        // so the times compare.
        for (const tier of tiers) {
          say(`${pair.name} @ ${size} px: ${tier}…`);
          const asked = resolveRequest({ quality: tier, size }, { caps: { defaultSize: size, maxSize: size, defaultQuality: tier, maxIterations: Number.MAX_SAFE_INTEGER }, style: pair.style });
          const plan = planRender(asked.options, pair.style);
          const r = await render({ backend, fastStyle: engine.fastStyle }, { content: pair.photo, styles: [{ image: pair.painting, weight: 1 }], options: plan.options, fastNetwork: plan.fastNetwork });
          const d = await measureDistances(backend, r.image, pair.photo, pair.painting);
          rows.push(row(tier, d, r.ms, r.iterations));
          cells.push({ caption: `${tier} ${fmt(d)}`, image: r.image });
        }
        sheet.push({ label: pair.name, cells });
      }
      await mkdir(path.dirname(out), { recursive: true });
      const file = `${out}-${size}.png`;
      await writeFile(file, await contactSheet(sheet, Math.min(size, 256)));
      say(`contact sheet: ${file}`);
    }
    const deps = { backend, fastStyle: engine.fastStyle };
    await mkdir(path.dirname(out), { recursive: true });
    if (opts.strengths) {
      const strengths = list(opts.strengths, []).map(Number);
      if (strengths.some((x) => !(x >= 0 && x <= 1))) throw new Error(`--strengths: give numbers from 0 to 1, got '${opts.strengths}'`);
      for (const [i, pair] of pairs.entries()) {
        const m = await measureStrengths(deps, pair, sizes[0], strengths, 'balanced', say);
        strengthRows.push(...m.rows);
        if (i === 0) {
          const cells = [{ caption: 'photo', image: await resizeToLongest(pair.photo, sizes[0]) }, ...m.images.map((image, j) => ({ caption: `strength ${strengths[j]}`, image }))];
          await writeFile(`${out}-strength.png`, await contactSheet([{ label: pair.name, cells }], Math.min(sizes[0], 256)));
          say(`strength strip: ${out}-strength.png`);
        }
      }
    }
    if (opts.seeds) {
      const seeds = list(opts.seeds, []).map(Number);
      if (seeds.length < 2 || seeds.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--seeds: give two or more whole numbers ≥ 0, got '${opts.seeds}'`);
      const sheet: SheetRow[] = [];
      for (const pair of pairs) {
        for (const quality of pair.fastNetwork ? (['balanced', 'fast'] as const) : (['balanced'] as const)) {
          const m = await measureSeeds(deps, pair, sizes[0], seeds, quality, say);
          seedRows.push(...m.rows);
          sheet.push({ label: `${pair.name} (${quality})`, cells: m.images.map((image, j) => ({ caption: `seed ${seeds[j]}`, image })) });
        }
      }
      await writeFile(`${out}-reroll.png`, await contactSheet(sheet, Math.min(sizes[0], 256)));
      say(`reroll sheet: ${out}-reroll.png`);
    }
  } finally {
    await engine.dispose();
  }
  const text = [
    ...(rows.length ? [formatQualityTable(rows)] : []),
    ...(strengthRows.length ? [formatStrengthTable(strengthRows)] : []),
    ...(seedRows.length ? [formatSeedTable(seedRows)] : []),
  ];
  process.stdout.write(opts.json ? `${JSON.stringify({ engine: backend.engine, backend: backend.backend, bars: QUALITY_BARS, rows, strengths: strengthRows, seeds: seedRows })}\n` : `${text.join('\n\n')}\n`);
  return rows;
}

function fmt(d: Distances): string {
  return `s ${d.style.toFixed(3)} c ${d.content.toFixed(3)}`;
}

export function formatQualityTable(rows: QualityRow[]): string {
  const header = ['pair', 'size', 'tier', 'style ↓', 'content ↓', 'evals', 'time', 'vs baseline (style / content / time)', 'bar'];
  const table = rows.map((r) => [
    r.pair, String(r.size), r.tier, r.style.toFixed(3), r.content.toFixed(3), String(r.evaluations), `${(r.ms / 1000).toFixed(1)} s`,
    r.tier === 'baseline' ? '—' : `${r.styleRatio.toFixed(2)} / ${r.contentRatio.toFixed(2)} / ${r.timeRatio.toFixed(3)}`,
    r.meetsBar === null ? '' : r.meetsBar ? 'met' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  const met = rows.filter((r) => r.meetsBar === true).length;
  const judged = rows.filter((r) => r.meetsBar !== null).length;
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...table.map(line), `${met} of ${judged} tier renders meet their bar.`].join('\n');
}
