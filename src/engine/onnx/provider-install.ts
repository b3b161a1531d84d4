/**
 * `npx easel gpu install`: the CUDA execution provider without NuGet. onnxruntime-node's linux-x64
 * core is built with CUDA support; only the two provider libraries are missing, and its install
 * script fetches them from NuGet, which many networks cannot reach. The npm package below ships the
 * same files for ONNX Runtime 1.29.0 (built with CUDA 13), so they are fetched with npm itself,
 * checked against the sha256 sums recorded here and the version string inside, and copied next to
 * onnxruntime-node's libonnxruntime.so.1. Opt-in (CPU installs stay small) and idempotent.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { onnxBinDir } from './provider-deps.ts';

const run = promisify(execFile);

export interface ProviderPackage {
  /** npm package name and exact version. */
  name: string;
  version: string;
  /** The ONNX Runtime release the libraries belong to: onnxruntime-node must be this release. */
  ortVersion: string;
  /** Folder of the libraries inside the tarball. */
  dir: string;
  /** File name → sha256 (hex). */
  files: Record<string, string>;
  /** The file that must contain `ortVersion` as text. */
  versionFile: string;
}

/** MIT; 179 MB tarball; CUDA 13.0 build of ONNX Runtime 1.29.0's provider libraries (sums recorded from the registry's tarball, integrity sha512-FopIhNE/…g74Xo6w==). */
export const CUDA_PROVIDER_PACKAGE: ProviderPackage = {
  name: 'com.github.asus4.onnxruntime.linux-x64-gpu',
  version: '0.4.9',
  ortVersion: '1.29.0',
  dir: 'package/Plugins/Linux/x64',
  files: {
    'libonnxruntime_providers_shared.so': 'c6a12593396095f5670160e284c35d1700b7708cf3037b7042e2a5200ccae772',
    'libonnxruntime_providers_cuda.so': '56cf3254b118ad837ccc4ed8f6d1b23504bbf7ef91b34cbc0b289cb7f10b3037',
  },
  versionFile: 'libonnxruntime_providers_cuda.so',
};

export class ProviderInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderInstallError';
  }
}

export interface ProviderInstallResult {
  /** false: every file was already there with the recorded sum (nothing done). */
  changed: boolean;
  binDir: string;
  files: string[];
  /** Where the package came from (a tarball path or name@version). */
  source?: string;
}

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const sha256OrUndefined = (file: string) => sha256(file).catch(() => undefined);

function installedOrtVersion(): string | undefined {
  try {
    return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Installs the provider libraries into `binDir` (default: onnxruntime-node's). `tarball`: a local
 * .tgz of the package instead of fetching it from the registry with `npm pack`.
 */
export async function installCudaProvider(opts: { tarball?: string; binDir?: string; pkg?: ProviderPackage; ortVersion?: string } = {}): Promise<ProviderInstallResult> {
  const pkg = opts.pkg ?? CUDA_PROVIDER_PACKAGE;
  const ortVersion = opts.ortVersion ?? installedOrtVersion();
  if (ortVersion !== pkg.ortVersion) {
    throw new ProviderInstallError(`the CUDA provider in ${pkg.name}@${pkg.version} is for onnxruntime-node ${pkg.ortVersion}, but ${ortVersion ? `${ortVersion} is installed` : 'onnxruntime-node is not installed'} (the provider must be the same release as the core): run npm ci`);
  }
  const binDir = opts.binDir ?? onnxBinDir();
  if (!binDir) throw new ProviderInstallError('onnxruntime-node is not installed: run npm ci');
  const names = Object.keys(pkg.files);

  const present = await Promise.all(names.map(async (n) => (await sha256OrUndefined(path.join(binDir, n))) === pkg.files[n]));
  if (present.every(Boolean)) return { changed: false, binDir, files: names };

  const work = await mkdtemp(path.join(os.tmpdir(), 'easel-gpu-install-'));
  try {
    let tarball = opts.tarball;
    const source = tarball ?? `${pkg.name}@${pkg.version}`;
    if (!tarball) {
      // npm itself: the registry, proxy and cache settings of this machine apply.
      const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', work, source], { maxBuffer: 1 << 20 }).catch((err: Error & { stderr?: string }) => {
        throw new ProviderInstallError(`npm could not fetch ${source}: ${(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' ')}`);
      });
      tarball = path.join(work, stdout.trim().split('\n').pop()!);
    }
    const unpacked = path.join(work, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['xzf', path.resolve(tarball), '-C', unpacked, ...names.map((n) => `${pkg.dir}/${n}`)]).catch((err: Error & { stderr?: string }) => {
      throw new ProviderInstallError(`${source} does not hold ${names.join(' and ')} in ${pkg.dir}: ${(err.stderr ?? err.message).trim()}`);
    });
    const from = path.join(unpacked, pkg.dir);
    for (const n of names) {
      const sum = await sha256(path.join(from, n));
      if (sum !== pkg.files[n]) throw new ProviderInstallError(`${n} from ${source} has sha256 ${sum}, not the recorded ${pkg.files[n]}: refused (nothing installed)`);
    }
    if (!(await readFile(path.join(from, pkg.versionFile))).includes(pkg.ortVersion)) {
      throw new ProviderInstallError(`${pkg.versionFile} from ${source} does not carry the version string ${pkg.ortVersion}: refused (nothing installed)`);
    }
    // Copied under a temporary name, then renamed: a crash never leaves half a library in place.
    for (const n of names) {
      const tmp = path.join(binDir, `.${n}.easel-tmp`);
      await copyFile(path.join(from, n), tmp);
      await rename(tmp, path.join(binDir, n));
    }
    return { changed: true, binDir, files: names, source };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
