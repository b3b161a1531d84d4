/**
 * Can the CUDA execution provider load here? Answered before any session is created, by reading the
 * provider library's ELF dynamic section (DT_NEEDED, DT_RUNPATH/DT_RPATH) and looking for each
 * needed library where the dynamic loader would: the provider's RUNPATH ($ORIGIN expanded),
 * LD_LIBRARY_PATH, /etc/ld.so.conf(.d) and the system folders. ORT itself only says "Failed to load
 * shared library" (the real reason goes to stderr), so an operator could not tell that a GPU worker
 * was painting on the CPU because libcublasLt.so.13 was missing; this names it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The GPU providers whose libraries are checked (CPU ships inside onnxruntime-node). */
export const GPU_PROVIDERS = ['cuda', 'tensorrt'] as const;

export interface ElfDynamic {
  needed: string[];
  /** DT_RUNPATH, else DT_RPATH, split on ':'. */
  runpath: string[];
}

/** DT_NEEDED and DT_RUNPATH/DT_RPATH of an ELF shared object (32/64-bit, either byte order). */
export function readElfDynamic(file: string): ElfDynamic {
  const b = readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const word = (o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(o));
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const section = (i: number) => {
    const o = shoff + i * shentsize;
    return { type: u32(o + 4), offset: word(o + (is64 ? 0x18 : 0x10)), size: word(o + (is64 ? 0x20 : 0x14)), link: u32(o + (is64 ? 0x28 : 0x18)) };
  };
  const SHT_DYNAMIC = 6;
  const DT_NEEDED = 1, DT_RPATH = 15, DT_RUNPATH = 29;
  const out: ElfDynamic = { needed: [], runpath: [] };
  let rpath: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_DYNAMIC) continue;
    const strtab = section(s.link);
    const str = (off: number) => {
      const start = strtab.offset + off;
      return b.toString('latin1', start, b.indexOf(0, start));
    };
    const entSize = is64 ? 16 : 8;
    for (let o = s.offset; o + entSize <= s.offset + s.size; o += entSize) {
      const tag = word(o);
      if (tag === 0) break;
      const val = word(o + (is64 ? 8 : 4));
      if (tag === DT_NEEDED) out.needed.push(str(val));
      else if (tag === DT_RUNPATH) out.runpath = str(val).split(':').filter(Boolean);
      else if (tag === DT_RPATH) rpath = str(val).split(':').filter(Boolean);
    }
  }
  if (!out.runpath.length) out.runpath = rpath;
  return out;
}

/** Folders listed in /etc/ld.so.conf and the files it includes (one level of `include` globs). */
function ldSoConfDirs(root = '/etc'): string[] {
  const dirs: string[] = [];
  const read = (file: string) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (!line) continue;
      const inc = /^include\s+(.+)$/.exec(line);
      if (inc) {
        const pattern = path.isAbsolute(inc[1]) ? inc[1] : path.join(root, inc[1]);
        const dir = path.dirname(pattern);
        const re = new RegExp(`^${path.basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        let names: string[] = [];
        try {
          names = readdirSync(dir).filter((n) => re.test(n)).sort();
        } catch {
          /* no such folder */
        }
        for (const n of names) read(path.join(dir, n));
      } else dirs.push(line);
    }
  };
  read(path.join(root, 'ld.so.conf'));
  return dirs;
}

const SYSTEM_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

/** Where the dynamic loader looks for a library needed by `file` (in its order). */
export function librarySearchPath(file: string, runpath: readonly string[], env: NodeJS.ProcessEnv = process.env, opts: { systemDirs?: readonly string[] } = {}): string[] {
  const origin = path.dirname(path.resolve(file));
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const fromRunpath = runpath.map((d) => d.replace(/\$(\{ORIGIN\}|ORIGIN)/g, origin));
  const system = opts.systemDirs ?? [...ldSoConfDirs(), ...SYSTEM_DIRS];
  return [...new Set([...fromEnv, ...fromRunpath, ...system])];
}

export interface ProviderDiagnosis {
  provider: string;
  /** The provider library checked (undefined when there is none to check). */
  library?: string;
  ok: boolean;
  /** Libraries the provider needs that no folder on the search path holds. */
  missing: string[];
  /** One sentence: what is wrong, or that it loads. */
  reason: string;
  /** What to do about it. */
  fix?: string;
}

export const GPU_FIX =
  'install the CUDA provider with `npx easel gpu install` and the CUDA 13 user libraries (cuBLAS, cudart, cuRAND, cuDNN 9; NVIDIA driver ≥ 580) — e.g. run the `gpu` image, or put the `lib` folders of the nvidia-*-cu13 Python wheels on LD_LIBRARY_PATH (README: "GPU workers")';

/** onnxruntime-node's folder of native libraries for this platform, or undefined when it is not installed. */
export function onnxBinDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    return path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/**
 * Whether `provider`'s shared library and every library it needs are present. Only Linux is
 * checked in depth; elsewhere (and for the CPU provider) the answer is ok and ORT's own probe decides.
 */
export function diagnoseProvider(provider: string, opts: { binDir?: string; env?: NodeJS.ProcessEnv; systemDirs?: readonly string[] } = {}): ProviderDiagnosis {
  if (!(GPU_PROVIDERS as readonly string[]).includes(provider) || (process.platform !== 'linux' && !opts.binDir)) {
    return { provider, ok: true, missing: [], reason: `${provider}: nothing to check before loading` };
  }
  const binDir = opts.binDir ?? onnxBinDir();
  if (!binDir) return { provider, ok: false, missing: ['onnxruntime-node'], reason: `${provider}: onnxruntime-node is not installed`, fix: 'run npm install' };
  const names = [`libonnxruntime_providers_shared.so`, `libonnxruntime_providers_${provider}.so`];
  const absent = names.filter((n) => !existsSync(path.join(binDir, n)));
  const library = path.join(binDir, names[1]);
  if (absent.length) {
    return { provider, library, ok: false, missing: absent, reason: `${provider}: ${absent.join(' and ')} ${absent.length > 1 ? 'are' : 'is'} not installed in ${binDir}`, fix: GPU_FIX };
  }
  let dyn: ElfDynamic;
  try {
    dyn = readElfDynamic(library);
  } catch (err) {
    return { provider, library, ok: false, missing: [], reason: `${provider}: ${library} cannot be read (${(err as Error).message})`, fix: GPU_FIX };
  }
  const dirs = librarySearchPath(library, dyn.runpath, opts.env ?? process.env, { systemDirs: opts.systemDirs });
  const missing = dyn.needed.filter((lib) => !dirs.some((d) => existsSync(path.join(d, lib))));
  if (missing.length) {
    return { provider, library, ok: false, missing, reason: `${provider}: ${names[1]} needs ${missing.join(', ')}, not found on LD_LIBRARY_PATH or the system library folders`, fix: GPU_FIX };
  }
  return { provider, library, ok: true, missing: [], reason: `${provider}: ${names[1]} and all ${dyn.needed.length} libraries it needs are present` };
}

/** The provider a worker asked for cannot load: the worker refuses to start (never a silent CPU fallback). */
export class ProviderUnavailableError extends Error {
  constructor(readonly diagnosis: ProviderDiagnosis) {
    super(`EASEL_ONNX_PROVIDERS asks for ${diagnosis.provider} with no fallback, and it cannot load here — ${diagnosis.reason}.${diagnosis.fix ? ` Fix: ${diagnosis.fix}.` : ''}`);
    this.name = 'ProviderUnavailableError';
  }
}

export interface ProviderPlan {
  /** onnx unless the worker was told to use TensorFlow.js (`auto` prefers ONNX Runtime). */
  engine: 'onnx' | 'tfjs';
  /** The ONNX execution provider the worker will render on (the first of the list that passes the check). */
  provider: string;
  /** Why each provider before it was passed over (an `auto` fallback). */
  fallbacks: ProviderDiagnosis[];
}

/**
 * The worker's provider, decided before any session: the first of `providers` (EASEL_ONNX_PROVIDERS,
 * default cuda then cpu) whose libraries are all present. When the last one asked for fails — a list
 * without cpu, like `cuda` on a GPU worker — it throws ProviderUnavailableError naming the missing library.
 */
export function planProvider(providers: readonly string[] | undefined, engine: 'auto' | 'onnx' | 'tfjs' = 'auto', opts: Parameters<typeof diagnoseProvider>[1] = {}): ProviderPlan {
  if (engine === 'tfjs') return { engine: 'tfjs', provider: 'cpu', fallbacks: [] };
  const list = providers?.length ? providers : ['cuda', 'cpu'];
  const fallbacks: ProviderDiagnosis[] = [];
  for (const [i, provider] of list.entries()) {
    const d = diagnoseProvider(provider, opts);
    if (d.ok) return { engine: 'onnx', provider, fallbacks };
    if (i === list.length - 1) throw new ProviderUnavailableError(d);
    fallbacks.push(d);
  }
  throw new Error('no providers listed');
}
