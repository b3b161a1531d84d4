/**
 * The CUDA provider's dependency check (engine/onnx/provider-deps.ts): a real ELF shared library,
 * built here with gcc, that needs a library no folder holds → that library is named; the worker's
 * plan refuses `cuda` alone and falls back under `auto`; the real CLI refuses to start a
 * cuda-only worker on this CPU machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseProvider, onnxBinDir, planProvider, ProviderUnavailableError, readElfDynamic } from '../../src/engine/onnx/provider-deps.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

/** The fake libraries are built with gcc (.ci/run installs it where it is missing). */
const hasGcc = spawnSync('gcc', ['--version']).status === 0;

let dir: string;
let binDir: string;
let cudaLibs: string;

beforeAll(() => {
  if (!hasGcc) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'easel-provider-deps-'));
  binDir = path.join(dir, 'bin');
  cudaLibs = path.join(dir, 'cuda13');
  mkdirSync(binDir);
  mkdirSync(cudaLibs);
  // A stand-in for cuBLASLt 13 (its soname is what the provider records), and a provider linked to it.
  writeFileSync(path.join(dir, 'blas.c'), 'int cublasLtCreate(void) { return 0; }\n');
  writeFileSync(path.join(dir, 'provider.c'), 'int cublasLtCreate(void);\nint OrtSessionOptionsAppendExecutionProvider_CUDA(void) { return cublasLtCreate(); }\n');
  execFileSync('gcc', ['-shared', '-fPIC', '-Wl,-soname,libcublasLt.so.13', '-o', path.join(cudaLibs, 'libcublasLt.so.13'), path.join(dir, 'blas.c')]);
  execFileSync('gcc', ['-shared', '-fPIC', '-Wl,-rpath,$ORIGIN', '-o', path.join(binDir, 'libonnxruntime_providers_cuda.so'), path.join(dir, 'provider.c'), path.join(cudaLibs, 'libcublasLt.so.13')]);
  execFileSync('gcc', ['-shared', '-fPIC', '-o', path.join(binDir, 'libonnxruntime_providers_shared.so'), path.join(dir, 'blas.c')]);
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasGcc)(`reading a provider library${hasGcc ? '' : ' (skipped: gcc not installed)'}`, () => {
  it('lists the DT_NEEDED entries and the RUNPATH that the linker recorded', () => {
    const dyn = readElfDynamic(path.join(binDir, 'libonnxruntime_providers_cuda.so'));
    expect(dyn.needed).toContain('libcublasLt.so.13');
    expect(dyn.runpath).toEqual(['$ORIGIN']);
  });

  it('agrees with readelf on onnxruntime-node\'s own core library', () => {
    const core = path.join(onnxBinDir()!, 'libonnxruntime.so.1');
    const fromReadelf = [...execFileSync('readelf', ['-d', core], { encoding: 'utf8' }).matchAll(/\(NEEDED\)\s+Shared library: \[(.+?)\]/g)].map((m) => m[1]);
    expect(fromReadelf.length).toBeGreaterThan(0);
    expect(readElfDynamic(core).needed).toEqual(fromReadelf);
  });

  it('refuses a file that is not ELF', () => {
    writeFileSync(path.join(dir, 'not-elf.so'), 'hello, this is text and not a shared library at all; padding padding padding');
    expect(() => readElfDynamic(path.join(dir, 'not-elf.so'))).toThrow(/not an ELF file/);
  });
});

describe.skipIf(!hasGcc)(`diagnosing the CUDA provider${hasGcc ? '' : ' (skipped: gcc not installed)'}`, () => {
  it('names the library the provider needs when no folder holds it, and finds it on LD_LIBRARY_PATH', () => {
    const missing = diagnoseProvider('cuda', { binDir, env: {} });
    expect(missing).toMatchObject({ ok: false, missing: ['libcublasLt.so.13'] });
    expect(missing.reason).toContain('libonnxruntime_providers_cuda.so needs libcublasLt.so.13');
    expect(missing.fix).toContain('npx easel gpu install');

    expect(diagnoseProvider('cuda', { binDir, env: { LD_LIBRARY_PATH: `/nonexistent:${cudaLibs}` } })).toMatchObject({ ok: true, missing: [] });
  });

  it('names the provider library itself when it is not installed', () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const d = diagnoseProvider('cuda', { binDir: empty, env: {} });
    expect(d.ok).toBe(false);
    expect(d.missing).toEqual(['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']);
  });

  it('a list without cpu never falls back; the default (auto) falls back to cpu and says why', () => {
    expect(() => planProvider(['cuda'], 'auto', { binDir, env: {} })).toThrow(ProviderUnavailableError);
    expect(() => planProvider(['cuda'], 'onnx', { binDir, env: {} })).toThrow(/libcublasLt\.so\.13.*Fix: install the CUDA provider/);
    const auto = planProvider(undefined, 'auto', { binDir, env: {} });
    expect(auto).toMatchObject({ engine: 'onnx', provider: 'cpu' });
    expect(auto.fallbacks.map((f) => f.missing)).toEqual([['libcublasLt.so.13']]);
    expect(planProvider(['cuda'], 'auto', { binDir, env: { LD_LIBRARY_PATH: cudaLibs } })).toMatchObject({ provider: 'cuda', fallbacks: [] });
    expect(planProvider(['cuda'], 'tfjs', { binDir, env: {} })).toMatchObject({ engine: 'tfjs' });
  });
});

describe('easel worker with EASEL_ONNX_PROVIDERS=cuda on a machine without the CUDA provider', () => {
  it.skipIf(diagnoseProvider('cuda').ok)('exits at once naming what is missing and the fix; `easel doctor` prints the same diagnosis', () => {
    const env = { ...process.env, EASEL_ONNX_PROVIDERS: 'cuda', EASEL_METRICS_PORT: '0', REDIS_URL: 'redis://127.0.0.1:1' /* before Redis is even tried */ };
    const worker = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'worker'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(worker.status).toBe(1);
    expect(worker.stderr).toContain('EASEL_ONNX_PROVIDERS asks for cuda with no fallback');
    expect(worker.stderr).toContain('libonnxruntime_providers_cuda.so');
    expect(worker.stderr).toContain('npx easel gpu install');

    const doctor = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'doctor', '--json'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(doctor.status).toBe(1);
    const report = JSON.parse(doctor.stdout);
    expect(report).toMatchObject({ providers: ['cuda'], checks: [{ provider: 'cuda', ok: false }] });
    expect(report.refusal).toContain('libonnxruntime_providers_cuda.so');
  }, 90_000);
});
