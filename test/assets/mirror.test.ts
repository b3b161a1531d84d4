/**
 * `easel assets` against a mirror (EASEL_ASSETS_URL) on loopback that serves every manifest file
 * from the assets folder, one of them corrupted and one failing twice before it succeeds.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSETS, AssetsError, installAssets, type InstallProgress } from '../../src/assets/install.ts';
import { defaultAssetsDir } from '../../src/config.ts';
import { startAssetsMirror, type AssetsMirror } from '../helpers/assets-mirror.ts';

const folder = process.env.EASEL_ASSETS || defaultAssetsDir();
const CORRUPT = 'vgg19/group1-shard7of20.bin';
const FLAKY = 'images/styles/starry_night.jpg';
const quickRetry = { attempts: 4, baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 30_000 };

let mirror: AssetsMirror;
const dirs: string[] = [];
async function tempRoot() {
  const d = await mkdtemp(path.join(os.tmpdir(), 'easel-mirror-'));
  dirs.push(d);
  return d;
}
beforeAll(async () => {
  mirror = await startAssetsMirror(folder);
});
afterAll(async () => {
  await mirror?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) if (e.isFile() || e.isSymbolicLink()) out.push(path.relative(root, path.join(e.parentPath, e.name)));
  return out.sort();
}

function recorder() {
  const events: string[] = [];
  let bytes = 0;
  const progress: InstallProgress = {
    begin: (p) => events.push(`begin ${p.files}`),
    bytes: (n) => (bytes += n),
    installed: (e, from) => events.push(`installed ${e.target} ${from}`),
    retry: (e, attempt, why) => events.push(`retry ${e.target} ${attempt} ${why}`),
    failed: (p) => events.push(`failed ${p.target}`),
    end: () => events.push('end'),
  };
  return { events, progress, bytes: () => bytes };
}

describe('installing from a mirror', () => {
  it('refuses the corrupted file, retries the flaky one, reruns fetch only what is wrong, and installs the same tree as the folder', async () => {
    const root = await tempRoot();
    mirror.corrupt.add(CORRUPT);
    mirror.flaky.set(FLAKY, 2);
    const first = recorder();
    const err = await installAssets({ root, mirror: mirror.url, download: false, retry: quickRetry, progress: first.progress }).catch((e) => e);

    // The corrupted file is refused, reported by name with the reason, and not left in place.
    expect(err).toBeInstanceOf(AssetsError);
    const problems = (err as AssetsError).problems;
    expect(problems.map((p) => [p.target, p.problem])).toEqual([['weights/vgg19/group1-shard7of20.bin', 'failed']]);
    expect(problems[0].detail).toMatch(/refused: sha256 [0-9a-f]{16}…, expected [0-9a-f]{16}…/);
    expect(err.message).toContain('weights/vgg19/group1-shard7of20.bin');
    expect(existsSync(path.join(root, 'weights/vgg19/group1-shard7of20.bin'))).toBe(false);
    // The flaky file arrived on its third request, after two retries.
    expect(mirror.requests.get(FLAKY)).toBe(3);
    expect(first.events.filter((e) => e.startsWith(`retry presets/images/starry_night.jpg`))).toHaveLength(2);
    expect(await readFile(path.join(root, 'presets/images/starry_night.jpg'))).toEqual(await readFile(path.join(folder, FLAKY)));
    // Every other file came from the mirror once; no temporary file is left behind.
    expect(first.events.filter((e) => e.startsWith('installed'))).toHaveLength(ASSETS.length - 1);
    expect(mirror.requests.size).toBe(ASSETS.length);
    expect((await listTree(root)).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(first.bytes()).toBe(ASSETS.reduce((n, e) => n + e.size, 0) - 1048576);

    // A rerun asks only for the file still wrong (still corrupted on the mirror).
    mirror.requests.clear();
    const err2 = await installAssets({ root, mirror: mirror.url, download: false, retry: quickRetry }).catch((e) => e);
    expect(err2).toBeInstanceOf(AssetsError);
    expect([...mirror.requests.keys()]).toEqual([CORRUPT]);

    // Once the mirror serves it right, a rerun fetches that one file and nothing else.
    mirror.corrupt.clear();
    mirror.requests.clear();
    const fixed = await installAssets({ root, mirror: mirror.url, download: false, retry: quickRetry });
    expect(fixed).toMatchObject({ installed: 1, fromMirror: 1, alreadyOk: ASSETS.length - 1, unavailable: [] });
    expect([...mirror.requests.keys()]).toEqual([CORRUPT]);
    mirror.requests.clear();
    expect(await installAssets({ root, mirror: mirror.url, download: false, retry: quickRetry })).toMatchObject({ installed: 0, alreadyOk: ASSETS.length });
    expect(mirror.requests.size).toBe(0);

    // Byte-identical to an install from the local folder.
    const fromFolder = await tempRoot();
    expect(await installAssets({ root: fromFolder, source: folder, download: false })).toMatchObject({ installed: ASSETS.length, fromFolder: ASSETS.length });
    const [a, b] = [await listTree(root), await listTree(fromFolder)];
    expect(a).toEqual(b);
    expect(a).toHaveLength(ASSETS.length);
    for (const f of a) expect((await readFile(path.join(root, f))).equals(await readFile(path.join(fromFolder, f))), f).toBe(true);
    // Five installs of 65 MB, each hashing every file: ~20 s on an idle 2-core machine, minutes on a loaded one.
  }, 600_000);

  it('takes from the folder what it has and from the mirror the rest', async () => {
    const partial = await tempRoot();
    // A folder with only the VGG19 files: the mirror provides everything else.
    const vgg = ASSETS.filter((e) => e.path.startsWith('vgg19/'));
    await installAssets({ root: partial, source: folder, entries: vgg.map((e) => ({ ...e, target: `weights/${e.path}` })), download: false });
    const root = await tempRoot();
    mirror.requests.clear();
    const subset = ASSETS.filter((e) => e.path.startsWith('vgg19/') || e.path.startsWith('images/'));
    const r = await installAssets({ root, source: path.join(partial, 'weights'), mirror: mirror.url, entries: subset, retry: quickRetry });
    expect(r).toMatchObject({ installed: subset.length, fromFolder: vgg.length, fromMirror: subset.length - vgg.length });
    expect([...mirror.requests.keys()].every((p) => p.startsWith('images/'))).toBe(true);
  });
});
