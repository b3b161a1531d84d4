/**
 * Installs the assets no registry ships (VGG19 weights, fast-style networks, preset paintings,
 * example photos) into weights/ and presets/, each file checked against the manifest (size +
 * sha256) before it is put in place. For each file that is missing or wrong, in this order:
 *   1. a local assets folder (EASEL_ASSETS, default ../shared/assets): no network;
 *   2. a mirror laid out like that folder (EASEL_ASSETS_URL), or else the file's public source
 *      (its repository at the pinned commit, transformed as the manifest says).
 * Downloads run a few at a time, are retried with backoff, and go to a temporary file renamed into
 * place only once size and sha256 match; a rerun fetches only what is still missing or wrong.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ASSETS, GITHUB_HOSTS, MANIFEST, mirrorUrl, publicUrl, type AssetEntry, type PublicHosts } from './manifest.ts';
import { applyTransformation } from './transform.ts';
import { DEFAULT_RETRY, download, DownloadError, HostHealth, type RetryPolicy } from './download.ts';

export { ASSETS, type AssetEntry } from './manifest.ts';

export type AssetProblem = {
  target: string;
  /** missing / wrong-size / corrupt: as found installed; failed: no source could provide it; unavailable: published nowhere and no folder or mirror has it. */
  problem: 'missing' | 'wrong-size' | 'corrupt' | 'failed' | 'unavailable';
  detail: string;
};

export class AssetsError extends Error {
  constructor(
    public readonly problems: AssetProblem[],
    hint: string,
  ) {
    super(`Assets are missing or corrupt (${problems.length} file${problems.length === 1 ? '' : 's'}):\n${summarise(problems).join('\n')}\n${hint}`);
    this.name = 'AssetsError';
  }
}

/** One line per problem when few; when many (e.g. nothing installed), one line per folder. */
export function summarise(problems: AssetProblem[]): string[] {
  if (problems.length <= 12) return problems.map((p) => `  - ${p.target}: ${p.detail}`);
  const byFolder = new Map<string, Map<string, number>>();
  for (const p of problems) {
    const folder = path.dirname(p.target);
    const counts = byFolder.get(folder) ?? new Map<string, number>();
    counts.set(p.problem, (counts.get(p.problem) ?? 0) + 1);
    byFolder.set(folder, counts);
  }
  const lines = [...byFolder].map(([folder, counts]) => `  - ${folder}/: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}`);
  // The first few reasons, so a pattern (one host down, one corrupt mirror folder) shows.
  const reasons = [...new Set(problems.filter((p) => p.problem === 'failed' || p.problem === 'corrupt').map((p) => `  - ${p.target}: ${p.detail}`))].slice(0, 3);
  return reasons.length ? [...lines, '  first reasons:', ...reasons.map((r) => `  ${r}`)] : lines;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const short = (h: string) => `${h.slice(0, 16)}…`;

/** Why `bytes` are not the entry's file, or null when they are. */
function mismatch(bytes: Buffer, entry: AssetEntry): string | null {
  if (bytes.length !== entry.size) return `size ${bytes.length} bytes, expected ${entry.size}`;
  const digest = sha256(bytes);
  if (digest !== entry.sha256) return `sha256 ${short(digest)}, expected ${short(entry.sha256)}`;
  return null;
}

async function checkFile(file: string, entry: AssetEntry): Promise<AssetProblem | null> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return { target: entry.target, problem: 'missing', detail: `missing (${entry.what ?? entry.path})` };
  }
  if (size !== entry.size) return { target: entry.target, problem: 'wrong-size', detail: `size ${size} bytes, expected ${entry.size}` };
  const digest = sha256(await readFile(file));
  if (digest !== entry.sha256) return { target: entry.target, problem: 'corrupt', detail: `sha256 ${short(digest)}, expected ${short(entry.sha256)}` };
  return null;
}

/** Check installed assets under `root`. Returns the problems (empty when all is well). */
export async function verifyAssets(root: string, entries: readonly AssetEntry[] = ASSETS): Promise<AssetProblem[]> {
  const problems = await Promise.all(entries.map((e) => checkFile(path.join(root, e.target), e)));
  return problems.filter((p): p is AssetProblem => p !== null);
}

/** A missing file that no public source has: not an error on a machine that only has the public sources. */
export function isUnpublishedAndMissing(p: AssetProblem, entries: readonly AssetEntry[] = ASSETS): boolean {
  return (p.problem === 'missing' || p.problem === 'unavailable') && entries.find((e) => e.target === p.target)?.source === null;
}

export type Provenance = 'folder' | 'mirror' | 'public';

/** What the installer tells while it works (a progress bar on a terminal, lines in a log). */
export interface InstallProgress {
  begin(plan: { files: number; bytes: number; sources: string[] }): void;
  /** Bytes of the planned total now in hand (never more than each file's size). */
  bytes(n: number): void;
  installed(entry: AssetEntry, from: Provenance, where: string): void;
  retry(entry: AssetEntry, attempt: number, why: string, delayMs: number): void;
  failed(problem: AssetProblem): void;
  end(): void;
}

export interface InstallOptions {
  /** The project root: files go to <root>/<target>. */
  root: string;
  /** A local assets folder; when given it must exist. */
  source?: string;
  /** A mirror laid out like the assets folder (EASEL_ASSETS_URL); used instead of the public sources. */
  mirror?: string;
  /** Download from the public sources what neither the folder nor a mirror has (default true). */
  download?: boolean;
  /** Where the public sources are served (default GitHub's raw and LFS media hosts). */
  hosts?: PublicHosts;
  /** Symlink files from the folder instead of copying them. */
  link?: boolean;
  entries?: readonly AssetEntry[];
  /** Files fetched at once (default 4). */
  concurrency?: number;
  retry?: RetryPolicy;
  progress?: InstallProgress;
}

export interface InstallReport {
  installed: number;
  alreadyOk: number;
  /** The sources in the order they were consulted, e.g. "/work/shared/assets", "https://mirror/…", "public sources". */
  source: string;
  fromFolder: number;
  fromMirror: number;
  downloaded: number;
  /** Bytes received over the network (a transformed file counts what was downloaded). */
  bytesDownloaded: number;
  /** Unpublished files (source: null) that neither a folder nor a mirror could provide. */
  unavailable: string[];
  /** Problems with sources that another source made up for (e.g. a corrupt copy in the folder). */
  warnings: string[];
}

const LFS_POINTER = Buffer.from('version https://git-lfs.github.com/spec/v1');

function waysHint(): string {
  return (
    'Either let this machine reach the internet (`npx easel assets` then downloads the files from the public sources in src/assets/manifest.json), ' +
    'or give it an assets folder: ../shared/assets beside the checkout, or EASEL_ASSETS=<folder> (a mirror of one over HTTP: EASEL_ASSETS_URL=<url>). See weights/README.md.'
  );
}

/** Write `bytes` to `dest` through a temporary file in the same folder, renamed into place. */
async function writeAtomically(dest: string, bytes: Buffer): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}

/**
 * Install every entry that is missing or wrong under `root`, then verify them all. Throws
 * AssetsError naming each file that no source could provide (with the reason per source).
 */
export async function installAssets(opts: InstallOptions): Promise<InstallReport> {
  const entries = opts.entries ?? ASSETS;
  const allowDownload = opts.download ?? true;
  const hosts = opts.hosts ?? GITHUB_HOSTS;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const folder = opts.source ? path.resolve(opts.source) : undefined;
  const mirror = opts.mirror?.replace(/\/+$/, '');
  const useNetwork = Boolean(mirror) || allowDownload;
  const sources = [folder, mirror, !mirror && allowDownload ? 'public sources' : undefined].filter((s): s is string => Boolean(s));
  const report: InstallReport = { installed: 0, alreadyOk: 0, source: sources.join(', ') || '(none)', fromFolder: 0, fromMirror: 0, downloaded: 0, bytesDownloaded: 0, unavailable: [], warnings: [] };

  if (folder && !existsSync(folder)) {
    const problems = await verifyAssets(opts.root, entries);
    if (problems.length) throw new AssetsError(problems, `The assets folder ${folder} does not exist. Set EASEL_ASSETS to a folder holding the assets (see weights/README.md), or unset it to download them.`);
    return report;
  }

  const needed: AssetEntry[] = [];
  for (const entry of entries) {
    if ((await checkFile(path.join(opts.root, entry.target), entry)) === null) report.alreadyOk++;
    else needed.push(entry);
  }
  if (!needed.length) return report;
  if (!folder && !useNetwork) {
    throw new AssetsError(await verifyAssets(opts.root, entries), `No assets folder found (EASEL_ASSETS is unset and ../shared/assets does not exist), and downloading is off. ${waysHint()}`);
  }

  const progress = opts.progress;
  progress?.begin({ files: needed.length, bytes: needed.reduce((n, e) => n + e.size, 0), sources });
  const health = new HostHealth();
  const problems: AssetProblem[] = [];

  const fetchVerified = async (entry: AssetEntry, url: string, counted: { n: number }, transform: boolean): Promise<Buffer> => {
    const onBytes = (n: number) => {
      report.bytesDownloaded += n;
      // The bar counts at most the file's installed size (a transformed file may download more).
      const before = counted.n;
      counted.n = Math.max(0, Math.min(entry.size, counted.n + n));
      if (counted.n !== before) progress?.bytes(counted.n - before);
    };
    const onRetry = (attempt: number, err: DownloadError, delayMs: number) => progress?.retry(entry, attempt, `${new URL(url).host}: ${err.message}`, delayMs);
    let bytes = await download(url, { policy: retry, hosts: health, onBytes, onRetry });
    if (transform && entry.source) {
      if (bytes.subarray(0, LFS_POINTER.length).equals(LFS_POINTER)) {
        // Stored with Git LFS after all (not in the recorded .gitattributes patterns): the media URL has the content.
        onBytes(-bytes.length);
        bytes = await download(publicUrl(entry.source, hosts, MANIFEST, true), { policy: retry, hosts: health, onBytes, onRetry });
      }
      bytes = applyTransformation(bytes, entry.source.transformation);
    }
    const why = mismatch(bytes, entry);
    if (why) throw new Error(`refused: ${why}`);
    return bytes;
  };

  await runPool(needed, opts.concurrency ?? 4, async (entry) => {
    const dest = path.join(opts.root, entry.target);
    const tried: string[] = [];
    const counted = { n: 0 };
    const settle = (from: Provenance, where: string) => {
      if (counted.n < entry.size) progress?.bytes(entry.size - counted.n);
      counted.n = entry.size;
      report.installed++;
      if (from === 'folder') report.fromFolder++;
      else if (from === 'mirror') report.fromMirror++;
      else report.downloaded++;
      if (tried.length) report.warnings.push(`${entry.target}: ${tried.join('; ')}; installed from ${where}`);
      progress?.installed(entry, from, where);
    };

    if (folder) {
      const src = path.join(folder, entry.path);
      const found = await checkFile(src, entry);
      if (!found) {
        await mkdir(path.dirname(dest), { recursive: true });
        if (opts.link) {
          await rm(dest, { force: true });
          await symlink(src, dest);
        } else {
          await writeAtomically(dest, await readFile(src));
        }
        return settle('folder', folder);
      }
      if (found.problem !== 'missing' || !useNetwork) tried.push(`${found.detail} in ${src}`);
    }
    if (mirror) {
      const url = mirrorUrl(mirror, entry);
      try {
        await writeAtomically(dest, await fetchVerified(entry, url, counted, false));
        return settle('mirror', mirror);
      } catch (e) {
        tried.push(`${url}: ${(e as Error).message}`);
      }
    } else if (allowDownload && entry.source) {
      const url = publicUrl(entry.source, hosts);
      try {
        await writeAtomically(dest, await fetchVerified(entry, url, counted, true));
        return settle('public', entry.source.repository.replace(/^https:\/\//, ''));
      } catch (e) {
        tried.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (counted.n) progress?.bytes(-counted.n);
    if (!entry.source && !tried.length) {
      report.unavailable.push(entry.target);
      return;
    }
    const problem: AssetProblem = entry.source || tried.length
      ? { target: entry.target, problem: 'failed', detail: tried.join('; ') || 'no source to try' }
      : { target: entry.target, problem: 'unavailable', detail: 'published nowhere' };
    problems.push(problem);
    progress?.failed(problem);
  });
  progress?.end();
  // Name the sources that provided files (all of those consulted when nothing was installed).
  const used = [report.fromFolder && folder, report.fromMirror && mirror, report.downloaded && 'public sources'].filter((s): s is string => Boolean(s));
  if (used.length) report.source = used.join(', ');

  if (problems.length) {
    const down = health.downHosts();
    const hint =
      down.length && !folder && !mirror
        ? `Could not reach ${down.map(([h, why]) => `${h} (${why})`).join(', ')}. ${waysHint()}`
        : down.length
          ? `Could not reach ${down.map(([h, why]) => `${h} (${why})`).join(', ')}. Run \`npx easel assets\` again to retry what is missing (files already in place are kept).`
          : 'Files that failed their size or sha256 check were not installed. Run `npx easel assets` again to retry what is missing (files already in place are kept).';
    throw new AssetsError(problems, hint);
  }
  // The final word: every file that should be there is, with the right bytes (catches a file changed meanwhile).
  const after = (await verifyAssets(opts.root, entries)).filter((p) => !report.unavailable.includes(p.target));
  if (after.length) throw new AssetsError(after, 'Files changed while they were being installed; run `npx easel assets` again.');
  return report;
}
