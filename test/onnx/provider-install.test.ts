/**
 * `easel gpu install` (engine/onnx/provider-install.ts) against a local tarball laid out like the
 * provider package: a wrong sha256 or a missing version string is refused with nothing installed;
 * the right ones are installed next to the core; a rerun does nothing. Through the real CLI, a
 * tarball that is not the recorded package is refused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUDA_PROVIDER_PACKAGE, installCudaProvider, ProviderInstallError, type ProviderPackage } from '../../src/engine/onnx/provider-install.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

let dir: string;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const shared = Buffer.from('\x7fELF fake providers_shared');
const cuda = Buffer.from('\x7fELF fake providers_cuda ... ORT version 1.29.0 ...');

/** A .tgz laid out like the npm package (package/Plugins/Linux/x64/…). */
function fakeTarball(name: string, files: Record<string, Buffer>): string {
  const root = path.join(dir, `${name}-src`);
  const libs = path.join(root, CUDA_PROVIDER_PACKAGE.dir);
  mkdirSync(libs, { recursive: true });
  writeFileSync(path.join(root, 'package', 'package.json'), JSON.stringify({ name: CUDA_PROVIDER_PACKAGE.name, version: CUDA_PROVIDER_PACKAGE.version }));
  for (const [n, b] of Object.entries(files)) writeFileSync(path.join(libs, n), b);
  const tgz = path.join(dir, `${name}.tgz`);
  execFileSync('tar', ['czf', tgz, '-C', root, 'package']);
  return tgz;
}

const pkgFor = (files: Record<string, Buffer>): ProviderPackage => ({ ...CUDA_PROVIDER_PACKAGE, files: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, sha(b)])) });
const goodFiles = { 'libonnxruntime_providers_shared.so': shared, 'libonnxruntime_providers_cuda.so': cuda };

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'easel-gpu-install-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('installing the CUDA provider from a tarball', () => {
  it('refuses a file whose sha256 is not the recorded one, and installs nothing', async () => {
    const binDir = path.join(dir, 'bin-wrong');
    mkdirSync(binDir);
    const tgz = fakeTarball('wrong', goodFiles);
    const pkg = pkgFor({ ...goodFiles, 'libonnxruntime_providers_cuda.so': Buffer.from('something else') });
    const err = await installCudaProvider({ tarball: tgz, binDir, pkg, ortVersion: '1.29.0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderInstallError);
    expect((err as Error).message).toMatch(/libonnxruntime_providers_cuda\.so .* has sha256 [0-9a-f]{64}, not the recorded/);
    expect(existsSync(path.join(binDir, 'libonnxruntime_providers_shared.so'))).toBe(false);
    expect(existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'))).toBe(false);
  });

  it('refuses a provider without the version string of the core it must match', async () => {
    const binDir = path.join(dir, 'bin-version');
    mkdirSync(binDir);
    const files = { ...goodFiles, 'libonnxruntime_providers_cuda.so': Buffer.from('\x7fELF fake providers_cuda built for 1.28.1') };
    await expect(installCudaProvider({ tarball: fakeTarball('version', files), binDir, pkg: pkgFor(files), ortVersion: '1.29.0' })).rejects.toThrow(/does not carry the version string 1\.29\.0/);
    expect(existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'))).toBe(false);
  });

  it('refuses when onnxruntime-node is another release than the provider', async () => {
    await expect(installCudaProvider({ tarball: fakeTarball('other', goodFiles), binDir: dir, pkg: pkgFor(goodFiles), ortVersion: '1.30.0' })).rejects.toThrow(/for onnxruntime-node 1\.29\.0, but 1\.30\.0 is installed/);
  });

  it('installs the right files next to the core, and a rerun is a no-op', async () => {
    const binDir = path.join(dir, 'bin-good');
    mkdirSync(binDir);
    const tgz = fakeTarball('good', goodFiles);
    const first = await installCudaProvider({ tarball: tgz, binDir, pkg: pkgFor(goodFiles), ortVersion: '1.29.0' });
    expect(first).toMatchObject({ changed: true, binDir, source: tgz });
    expect(readFileSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'))).toEqual(cuda);
    expect(readFileSync(path.join(binDir, 'libonnxruntime_providers_shared.so'))).toEqual(shared);
    const mtime = statSync(path.join(binDir, 'libonnxruntime_providers_cuda.so')).mtimeMs;

    // rerun, even with a tarball that is no longer there: nothing to fetch, nothing copied
    const again = await installCudaProvider({ tarball: path.join(dir, 'gone.tgz'), binDir, pkg: pkgFor(goodFiles), ortVersion: '1.29.0' });
    expect(again).toMatchObject({ changed: false, binDir });
    expect(statSync(path.join(binDir, 'libonnxruntime_providers_cuda.so')).mtimeMs).toBe(mtime);
  });

  it('the real CLI refuses a tarball that is not the recorded package', () => {
    const installed = path.join(REPO_ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so');
    // Where the real provider is already installed, install is a no-op before any tarball is read.
    if (existsSync(installed) && sha(readFileSync(installed)) === CUDA_PROVIDER_PACKAGE.files['libonnxruntime_providers_cuda.so']) return;
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'gpu', 'install', '--tarball', fakeTarball('cli', goodFiles)], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^easel: libonnxruntime_providers_shared\.so from .* has sha256 [0-9a-f]{64}, not the recorded c6a12593/m);
    expect(existsSync(installed)).toBe(false);
  }, 90_000);
});
