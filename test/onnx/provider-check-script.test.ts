/**
 * docker/check-cuda-provider.sh, the `gpu` image's build check, run against folders of fake
 * libraries built here with gcc: a provider linked like ORT's CUDA 13 one fails on a CUDA 12-like
 * set (naming libcublasLt.so.13 and the rest) and passes on a CUDA 13 set; the driver's
 * libcuda.so.1, mounted at run time, may be absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/redis.ts';

/** The fake libraries are built with gcc (.ci/run installs it where it is missing). */
const hasGcc = spawnSync('gcc', ['--version']).status === 0;

const SCRIPT = path.join(REPO_ROOT, 'docker/check-cuda-provider.sh');
// What ORT 1.29.0's libonnxruntime_providers_cuda.so records as DT_NEEDED (readelf -d), CUDA part.
const CUDA13 = ['libcublasLt.so.13', 'libcublas.so.13', 'libcurand.so.10', 'libcudart.so.13', 'libcuda.so.1'];
const CUDA12 = ['libcublasLt.so.12', 'libcublas.so.12', 'libcurand.so.10', 'libcudart.so.12'];
let dir: string;
let provider: string;

const fakeLibs = (folder: string, sonames: string[]) => {
  mkdirSync(folder, { recursive: true });
  sonames.forEach((soname, i) => {
    const c = path.join(dir, `lib${i}.c`);
    writeFileSync(c, `int fake_${i}(void) { return ${i}; }\n`);
    execFileSync('gcc', ['-shared', '-fPIC', `-Wl,-soname,${soname}`, '-o', path.join(folder, soname), c]);
  });
};
const check = (libDir: string) => spawnSync('sh', [SCRIPT, provider], { encoding: 'utf8', env: { PATH: process.env.PATH, LD_LIBRARY_PATH: libDir } });

beforeAll(() => {
  if (!hasGcc) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'easel-check-provider-'));
  const linkDir = path.join(dir, 'link');
  fakeLibs(linkDir, CUDA13);
  const src = path.join(dir, 'provider.c');
  writeFileSync(src, `${CUDA13.map((_, i) => `int fake_${i}(void);`).join('\n')}\nint provider(void) { return ${CUDA13.map((_, i) => `fake_${i}()`).join(' + ')}; }\n`);
  provider = path.join(dir, 'libonnxruntime_providers_cuda.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', provider, src, ...CUDA13.map((l) => path.join(linkDir, l))]);
  fakeLibs(path.join(dir, 'cuda12'), CUDA12);
  fakeLibs(path.join(dir, 'cuda13-no-driver'), CUDA13.filter((l) => l !== 'libcuda.so.1'));
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasGcc)(`the gpu image's provider check${hasGcc ? '' : ' (skipped: gcc not installed)'}`, () => {
  it('fails on a CUDA 12 base, naming the CUDA 13 libraries it lacks', () => {
    const r = check(path.join(dir, 'cuda12'));
    expect(r.status).toBe(1);
    // (libcudart.so.13 too, unless this machine's own loader cache has one)
    expect(r.stderr).toMatch(/needs libraries this image lacks: libcublasLt\.so\.13 libcublas\.so\.13\b/);
    expect(r.stderr).not.toContain('libcurand.so.10'); // CUDA 12 and 13 both ship cuRAND 10
    expect(r.stderr).not.toContain('libcuda.so.1'); // the driver: mounted at run time
  });

  it('passes on a CUDA 13 base (the driver library may be absent at build time)', () => {
    const r = check(path.join(dir, 'cuda13-no-driver'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('every library it needs is present');
  });

  it('fails when the provider is not installed at all', () => {
    const r = spawnSync('sh', [SCRIPT, path.join(dir, 'absent.so')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('npx easel gpu install');
  });
});
