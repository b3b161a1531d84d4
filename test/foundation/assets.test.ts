import { mkdtemp, mkdir, readFile, writeFile, rm, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ASSETS, AssetsError, installAssets, verifyAssets } from '../../src/assets/install.ts';
import { defaultAssetsDir } from '../../src/config.ts';

const source = process.env.EASEL_ASSETS || defaultAssetsDir();
// A small subset keeps the test quick: the VGG model description and two preset images.
const subset = ASSETS.filter((a) => a.path === 'vgg19/model.json' || a.path.endsWith('starry_night.jpg') || a.path.endsWith('dancer_ballerina.jpg'));
const dirs: string[] = [];
async function tempRoot() {
  const d = await mkdtemp(path.join(os.tmpdir(), 'easel-assets-'));
  dirs.push(d);
  return d;
}
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('assets', () => {
  it('every manifest entry records size, sha256 and where it is installed', () => {
    expect(ASSETS.length).toBeGreaterThan(300);
    for (const a of ASSETS) {
      expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(a.size).toBeGreaterThan(0);
      expect(a.target).toMatch(/^(weights|presets)\//);
    }
    // Public sources for the weights and paintings, so an operator with internet can fetch them.
    expect(ASSETS.find((a) => a.path === 'vgg19/model.json')?.source?.repository).toMatch(/github\.com/);
  });

  it('installs into an empty project and verifies', async () => {
    expect(subset).toHaveLength(3);
    const root = await tempRoot();
    const r1 = await installAssets({ source, root, entries: subset });
    expect(r1).toMatchObject({ installed: 3, alreadyOk: 0 });
    const r2 = await installAssets({ source, root, entries: subset });
    expect(r2).toMatchObject({ installed: 0, alreadyOk: 3 });
    expect(await verifyAssets(root, subset)).toEqual([]);
    const json = JSON.parse(await readFile(path.join(root, 'weights/vgg19/model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
  });

  it('names a corrupt and a missing file', async () => {
    const root = await tempRoot();
    await installAssets({ source, root, entries: subset });
    const target = path.join(root, 'presets/images/starry_night.jpg');
    const bytes = await readFile(target);
    bytes[1000] ^= 0xff;
    await writeFile(target, bytes);
    await rm(path.join(root, 'weights/vgg19/model.json'));
    const problems = await verifyAssets(root, subset);
    expect(problems.map((p) => [p.target, p.problem]).sort()).toEqual([
      ['presets/images/starry_night.jpg', 'corrupt'],
      ['weights/vgg19/model.json', 'missing'],
    ]);
  });

  it('refuses a corrupt source with an error naming the file', async () => {
    const fakeSource = await tempRoot();
    const entry = subset.find((a) => a.path.endsWith('dancer_ballerina.jpg'))!;
    await mkdir(path.join(fakeSource, path.dirname(entry.path)), { recursive: true });
    await copyFile(path.join(source, entry.path), path.join(fakeSource, entry.path));
    await writeFile(path.join(fakeSource, entry.path), Buffer.alloc(entry.size, 7));
    const root = await tempRoot();
    const err = await installAssets({ source: fakeSource, root, entries: [entry], download: false }).catch((e) => e);
    expect(err).toBeInstanceOf(AssetsError);
    expect(err.message).toContain('presets/photos/dancer_ballerina.jpg');
    expect(err.message).toMatch(/sha256/);
  });
});
