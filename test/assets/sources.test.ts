/**
 * The public sources: the URL built for each manifest entry, the transformations (VGG19's trimmed
 * shard and model description rebuilt from files shaped like the published ones), Git LFS, and
 * the message when neither the sources nor a folder can be reached.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ASSETS, MANIFEST, gitattributesMatcher, isLfs, parseManifest, publicUrl, type AssetEntry } from '../../src/assets/manifest.ts';
import { AssetsError, installAssets } from '../../src/assets/install.ts';
import { applyTransformation, parseJsonKeepingFloats, PyFloat, pythonJson } from '../../src/assets/transform.ts';
import { defaultAssetsDir } from '../../src/config.ts';

const folder = process.env.EASEL_ASSETS || defaultAssetsDir();
const quickRetry = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 10_000 };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const dirs: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempRoot() {
  const d = await mkdtemp(path.join(os.tmpdir(), 'easel-sources-'));
  dirs.push(d);
  return d;
}

/** A stand-in for GitHub's raw and LFS media hosts on loopback: /raw/<owner>/<repo>/<commit>/<path>, /media/… */
async function fakeGitHub(files: Map<string, Buffer>) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    requests.push(url);
    const body = files.get(url);
    if (!body) res.writeHead(404).end('404: Not Found');
    else res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { hosts: { raw: `${base}/raw`, media: `${base}/media` }, requests };
}

const rawPath = (e: AssetEntry) => `/raw/${e.source!.repository.replace('https://github.com/', '')}/${e.source!.commit}/${e.source!.path}`;

describe('public source URLs', () => {
  it('each published entry: the raw file of its repository at the pinned commit', () => {
    const published = ASSETS.filter((e) => e.source);
    expect(published.length).toBe(ASSETS.length - 8);
    for (const e of published) {
      const s = e.source!;
      const [, owner, repo] = s.repository.match(/^https:\/\/github\.com\/([^/]+)\/([^/]+)$/)!;
      expect(s.commit).toBe(MANIFEST.repositories[s.repository].commit);
      expect(publicUrl(s), e.path).toBe(`https://raw.githubusercontent.com/${owner}/${repo}/${s.commit}/${s.path}`);
      // No source repository stores these files with Git LFS at its pinned commit (checked, recorded per repository).
      expect(isLfs(s)).toBe(false);
    }
    expect(publicUrl(ASSETS.find((e) => e.path === 'vgg19/group1-shard20of20.bin')!.source!)).toBe(
      'https://raw.githubusercontent.com/azertat/tfjs_models/3c14b35a1b5037c331fe01da1b00d2d3bb09bba9/models/little_shards/group1-shard20of138.bin',
    );
    expect(publicUrl(ASSETS.find((e) => e.path === 'fast-style/LICENSE')!.source!)).toBe(
      'https://raw.githubusercontent.com/reiinakano/fast-style-transfer-deeplearnjs/bd3a0486e4ed4a02b0b4102a7f12a55e3c935d73/LICENSE',
    );
    for (const r of Object.values(MANIFEST.repositories)) expect(r.lfsChecked).toBeTruthy();
  });

  it('a file under a Git LFS pattern: the LFS media URL at the pinned commit', () => {
    const repository = 'https://github.com/someone/models';
    const commit = 'a'.repeat(40);
    const manifest = parseManifest({
      description: '',
      repositories: { [repository]: { commit, licence: 'MIT', lfs: ['*.bin', 'weights/big/**'], lfsChecked: 'test' } },
      files: [{ path: 'x.bin', target: 'weights/x.bin', size: 1, sha256: '0'.repeat(64), source: { repository, commit, path: 'models/x.bin' } }],
    });
    expect(publicUrl({ repository, commit, path: 'models/x.bin' }, undefined, manifest)).toBe(`https://media.githubusercontent.com/media/someone/models/${commit}/models/x.bin`);
    expect(publicUrl({ repository, commit, path: 'weights/big/a/b.json' }, undefined, manifest)).toBe(`https://media.githubusercontent.com/media/someone/models/${commit}/weights/big/a/b.json`);
    expect(publicUrl({ repository, commit, path: 'model.json' }, undefined, manifest)).toBe(`https://raw.githubusercontent.com/someone/models/${commit}/model.json`);
    expect(gitattributesMatcher('/top.bin')('sub/top.bin')).toBe(false);
    expect(gitattributesMatcher('*.png')('a/b/c.png')).toBe(true);
  });

  it('the manifest is checked: an unpublished file must say its origin; commits agree with the repository table', () => {
    const base = JSON.parse(JSON.stringify(MANIFEST));
    base.files[0] = { ...base.files[0], source: null, origin: undefined };
    expect(() => parseManifest(base)).toThrow(/origin/);
    const other = JSON.parse(JSON.stringify(MANIFEST));
    other.files[1].source.commit = 'b'.repeat(40);
    expect(() => parseManifest(other)).toThrow(/commit differs/);
  });
});

describe('transformations', () => {
  it("writes JSON exactly as Python's json.dumps did for the installed VGG19 model description", async () => {
    const bytes = await readFile(path.join(folder, 'vgg19/model.json'));
    expect(Buffer.from(pythonJson(parseJsonKeepingFloats(bytes.toString('utf8'))))).toEqual(bytes);
    // JSON.parse would lose the float-ness of the initializers' "scale": 1.0.
    expect(pythonJson(JSON.parse(bytes.toString('utf8'))).length).toBeLessThan(bytes.length);
    // What Python 3 prints for json.dumps({"a": [1e-5, 1.5e16, 0.0001, -2, 3.0], "é": "ü\x01\""}).
    expect(pythonJson({ a: [1e-5, new PyFloat(1.5e16), 0.0001, -2, new PyFloat(3)], é: 'ü\u0001"' })).toBe('{"a": [1e-05, 1.5e+16, 0.0001, -2, 3.0], "\\u00e9": "\\u00fc\\u0001\\""}');
  });

  it('prefix and json-edit', () => {
    expect(applyTransformation(Buffer.from('abcdef'), { take: 'prefix', bytes: 4 }).toString()).toBe('abcd');
    expect(() => applyTransformation(Buffer.from('ab'), { take: 'prefix', bytes: 4 })).toThrow(/fewer than the 4/);
    const doc = Buffer.from(JSON.stringify({ a: { list: [1, 2, 3, 4] }, b: 'x' }));
    const out = applyTransformation(doc, {
      take: 'json-edit',
      serialise: 'python-json',
      edits: [
        { op: 'truncate', path: '/a/list', length: 2 },
        { op: 'set', path: '/b', value: [null, 'y'] },
      ],
    });
    expect(out.toString()).toBe('{"a": {"list": [1, 2]}, "b": [null, "y"]}');
    expect(() => applyTransformation(doc, { take: 'json-edit', serialise: 'python-json', edits: [{ op: 'set', path: '/nope/x', value: 1 }] })).toThrow(/no member nope/);
  });

  it("installs VGG19 from files shaped like its repository's (138 shards, the full model's description): all 21 files match their sha256", async () => {
    const vgg = ASSETS.filter((e) => e.path.startsWith('vgg19/'));
    const files = new Map<string, Buffer>();
    for (const e of vgg) {
      const installed = await readFile(path.join(folder, e.path));
      if (e.path.endsWith('model.json')) {
        // The published description: the whole classifier (pool, flatten, three dense layers), a
        // 224×224 input, 38 weights in 138 shards — what the manifest's edits take away.
        const doc = parseJsonKeepingFloats(installed.toString('utf8')) as any;
        const layers = doc.modelTopology.model_config.config.layers;
        layers[0].config.batch_input_shape = [null, 224, 224, 3];
        layers.push({ class_name: 'MaxPooling2D', config: { name: 'block5_pool' } }, { class_name: 'Flatten', config: { name: 'flatten' } }, { class_name: 'Dense', config: { name: 'fc1', units: 4096 } });
        doc.modelTopology.model_config.config.output_layers = [['predictions', 0, 0]];
        doc.weightsManifest[0].weights.push({ name: 'fc1/kernel', shape: [25088, 4096], dtype: 'float32' }, { name: 'fc1/bias', shape: [4096], dtype: 'float32' });
        doc.weightsManifest[0].paths = Array.from({ length: 138 }, (_, i) => `group1-shard${i + 1}of138.bin`);
        files.set(rawPath(e), Buffer.from(pythonJson(doc)));
      } else if (e.source!.transformation?.take === 'prefix') {
        // Shard 20 of 138 is whole upstream: the conv weights end 101,440 bytes into it.
        files.set(rawPath(e), Buffer.concat([installed, Buffer.alloc(1048576 - installed.length, 0x5a)]));
      } else {
        files.set(rawPath(e), installed);
      }
    }
    const gh = await fakeGitHub(files);
    const root = await tempRoot();
    const r = await installAssets({ root, entries: vgg, hosts: gh.hosts, retry: quickRetry });
    expect(r).toMatchObject({ installed: 21, downloaded: 21 });
    expect(r.bytesDownloaded).toBeGreaterThan(vgg.reduce((n, e) => n + e.size, 0));
    for (const e of vgg) expect(sha256(await readFile(path.join(root, e.target))), e.path).toBe(e.sha256);
    expect(gh.requests.filter((u) => u.includes('of20'))).toEqual([]); // fetched by the repository's own names
  });
});

describe('Git LFS and unreachable sources', () => {
  it('follows an LFS pointer to the media URL', async () => {
    const entry = ASSETS.find((e) => e.path === 'images/content/dancer_ballerina.jpg')!;
    const bytes = await readFile(path.join(folder, entry.path));
    const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${entry.sha256}\nsize ${entry.size}\n`);
    const gh = await fakeGitHub(new Map([[rawPath(entry), pointer], [rawPath(entry).replace(/^\/raw/, '/media'), bytes]]));
    const root = await tempRoot();
    expect(await installAssets({ root, entries: [entry], hosts: gh.hosts, retry: quickRetry })).toMatchObject({ installed: 1, downloaded: 1 });
    expect(await readFile(path.join(root, entry.target))).toEqual(bytes);
    expect(gh.requests).toEqual([rawPath(entry), rawPath(entry).replace(/^\/raw/, '/media')]);
  });

  it('a 404 is not retried and names the URL', async () => {
    const entry = ASSETS.find((e) => e.path === 'images/content/stata.jpg')!;
    const gh = await fakeGitHub(new Map());
    const err = await installAssets({ root: await tempRoot(), entries: [entry], hosts: gh.hosts, retry: quickRetry }).catch((e) => e);
    expect(err).toBeInstanceOf(AssetsError);
    expect(err.message).toContain(`${rawPath(entry).replace(/^\/raw/, '')}: HTTP 404`);
    expect(gh.requests).toHaveLength(1);
  });

  it('with neither network nor folder: one message naming both ways, after one file’s retries', async () => {
    let connections = 0;
    const dead = createServer().on('connection', (s) => {
      connections++;
      s.destroy();
    });
    servers.push(dead);
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    const err = await installAssets({ root: await tempRoot(), hosts: { raw: `${base}/raw`, media: `${base}/media` }, retry: quickRetry, concurrency: 4 }).catch((e) => e);
    expect(err).toBeInstanceOf(AssetsError);
    expect(err.message).toMatch(/Could not reach 127\.0\.0\.1:\d+/);
    expect(err.message).toMatch(/reach the internet/);
    expect(err.message).toMatch(/\.\.\/shared\/assets beside the checkout, or EASEL_ASSETS=<folder>/);
    expect(err.message).toContain('weights/vgg19/: 21 failed');
    // The unpublished files are not counted as failures.
    expect(err.problems.some((p: { target: string }) => p.target.includes('reference/'))).toBe(false);
    // The host was given up after the first files' tries, not tried for all 331 files.
    expect(connections).toBeLessThanOrEqual(4 * quickRetry.attempts);
  });
});
