/**
 * Installs the assets no registry ships (VGG19 weights, fast-style networks, preset paintings,
 * example photos) from an assets folder (EASEL_ASSETS, default ../shared/assets) into weights/ and
 * presets/, and checks every file against the checked-in manifest (size + sha256).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, stat, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import manifest from './manifest.json' with { type: 'json' };

export interface AssetEntry {
  /** Path inside the assets folder. */
  path: string;
  /** Where it is installed, relative to the project root. */
  target: string;
  size: number;
  sha256: string;
  what?: string;
  licence?: string;
  source?: { repository: string; commit: string; path: string | null; note?: string } | null;
}

export const ASSETS: readonly AssetEntry[] = manifest.files as AssetEntry[];

export type AssetProblem = { target: string; problem: 'missing' | 'wrong-size' | 'corrupt'; detail: string };

export class AssetsError extends Error {
  constructor(public readonly problems: AssetProblem[], hint: string) {
    super(`Assets are missing or corrupt (${problems.length} file${problems.length === 1 ? '' : 's'}):\n${summarise(problems).join('\n')}\n${hint}`);
    this.name = 'AssetsError';
  }
}

/** One line per problem when few; when many (e.g. nothing installed), one line per folder. */
function summarise(problems: AssetProblem[]): string[] {
  if (problems.length <= 12) return problems.map((p) => `  - ${p.target}: ${p.detail}`);
  const byFolder = new Map<string, Map<string, number>>();
  for (const p of problems) {
    const folder = path.dirname(p.target);
    const counts = byFolder.get(folder) ?? new Map<string, number>();
    counts.set(p.problem, (counts.get(p.problem) ?? 0) + 1);
    byFolder.set(folder, counts);
  }
  return [...byFolder].map(([folder, counts]) => `  - ${folder}/: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}`);
}

async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

async function checkFile(file: string, entry: AssetEntry): Promise<AssetProblem | null> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return { target: entry.target, problem: 'missing', detail: `missing (${entry.what ?? entry.path})` };
  }
  if (size !== entry.size) return { target: entry.target, problem: 'wrong-size', detail: `size ${size} bytes, expected ${entry.size}` };
  const digest = await sha256File(file);
  if (digest !== entry.sha256) return { target: entry.target, problem: 'corrupt', detail: `sha256 ${digest.slice(0, 16)}…, expected ${entry.sha256.slice(0, 16)}…` };
  return null;
}

/** Check installed assets under `root`. Returns the problems (empty when all is well). */
export async function verifyAssets(root: string, entries: readonly AssetEntry[] = ASSETS): Promise<AssetProblem[]> {
  const problems = await Promise.all(entries.map((e) => checkFile(path.join(root, e.target), e)));
  return problems.filter((p): p is AssetProblem => p !== null);
}

export interface InstallReport {
  installed: number;
  alreadyOk: number;
  source: string;
}

/**
 * Copy (or symlink) each asset from `source` into `root`, skipping files already installed and
 * correct, then verify everything. Throws AssetsError naming what is missing or corrupt.
 */
export async function installAssets(opts: { source?: string; root: string; link?: boolean; entries?: readonly AssetEntry[] }): Promise<InstallReport> {
  const entries = opts.entries ?? ASSETS;
  const hint = 'Set EASEL_ASSETS to a folder holding the assets (see weights/README.md), then run `npx easel assets`.';
  if (!opts.source) {
    const problems = await verifyAssets(opts.root, entries);
    if (problems.length) throw new AssetsError(problems, `No assets folder found (EASEL_ASSETS is unset and ../shared/assets does not exist). ${hint}`);
    return { installed: 0, alreadyOk: entries.length, source: '(none)' };
  }
  const source = path.resolve(opts.source);
  if (!existsSync(source)) {
    const problems = await verifyAssets(opts.root, entries);
    if (problems.length) throw new AssetsError(problems, `The assets folder ${source} does not exist. ${hint}`);
    return { installed: 0, alreadyOk: entries.length, source };
  }
  let installed = 0;
  let alreadyOk = 0;
  const problems: AssetProblem[] = [];
  for (const entry of entries) {
    const dest = path.join(opts.root, entry.target);
    if ((await checkFile(dest, entry)) === null) {
      alreadyOk++;
      continue;
    }
    const src = path.join(source, entry.path);
    const srcProblem = await checkFile(src, entry);
    if (srcProblem) {
      problems.push({ ...srcProblem, target: entry.target, detail: `${srcProblem.detail} in ${source}/${entry.path}` });
      continue;
    }
    await mkdir(path.dirname(dest), { recursive: true });
    await rm(dest, { force: true });
    if (opts.link) await symlink(src, dest);
    else await copyFile(src, dest);
    installed++;
  }
  if (problems.length) throw new AssetsError(problems, hint);
  return { installed, alreadyOk, source };
}
