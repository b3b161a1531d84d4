/**
 * Loading ONNX Runtime and choosing its execution provider, once per process.
 *
 * onnxruntime-node is imported lazily, so a process that never uses the ONNX engine does not load
 * it, and a machine where it fails to load (no binary for the platform, missing shared libraries)
 * falls back to TensorFlow.js (see engine/index.ts). The CPU provider ships inside the npm package;
 * CUDA and TensorRT need the libraries that the package's install script downloads on request
 * (`npx easel gpu install`, see the README), so each candidate is tried on a tiny model and
 * the first that creates a session and runs wins.
 */
import os from 'node:os';
import type * as OrtModule from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { silentLogger, type Logger } from '../../log.ts';
import { GraphBuilder } from './graph-builder.ts';
import { cachedPromise } from '../../util/cached-promise.ts';
import { diagnoseProvider } from './provider-deps.ts';

export type Ort = typeof OrtModule;

/** Providers tried in order when none is asked for. TensorRT is opt-in: it builds an engine per image size (minutes). */
export const DEFAULT_PROVIDERS = ['cuda', 'cpu'] as const;

export class OnnxUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnnxUnavailableError';
  }
}

let ortPromise: Promise<Ort> | undefined;

/** Imports onnxruntime-node once; rejects with OnnxUnavailableError when it cannot load. */
export function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').then(
    // CommonJS under ESM: the module object is the default export (named exports are a bonus).
    (m) => (m.default ?? m) as Ort,
    (err: unknown) => {
      ortPromise = undefined;
      throw new OnnxUnavailableError(`onnxruntime-node could not be loaded: ${(err as Error).message}`, { cause: err });
    },
  );
  return ortPromise;
}

/**
 * Session options: full graph optimisation, one intra-op thread per core, no memory-pattern
 * pre-allocation. The CPU memory arena is off unless asked for: a session's arena keeps its peak
 * buffers for the session's life (with one for every cached size, a 1024 px render peaked at 5.7
 * GB RSS). The loss graph asks for it (`arena`): an evaluation allocates gigabytes of short-lived
 * tensors (8.6 GB at 1024×683), and without the arena each is a fresh mapping whose pages the
 * kernel faults in and zeroes anew — an evaluation at 1024×683 took 44–55 s instead of 7–8 s on the
 * 2-core reference machine. The loss backend releases a large session as soon as it is done, so its
 * arena does not outlive the render scale (loss-backend.ts).
 */
export function sessionOptions(provider: string, { arena = false }: { arena?: boolean } = {}): InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: os.availableParallelism(),
    interOpNumThreads: 1,
    enableCpuMemArena: arena,
    enableMemPattern: false,
  };
}

/** y = 2·x: enough to prove a provider creates sessions and runs. */
function probeModel(): Uint8Array {
  const g = new GraphBuilder('provider_probe');
  const x = g.input('x', [1, 4]);
  g.output(g.mul(x, g.scalar(2)), 'y', [1, 4]);
  return g.encode();
}

export interface ProviderChoice {
  provider: string;
  /** Providers tried before it and why they failed. */
  skipped: string[];
}

const providerChoices = new Map<string, Promise<ProviderChoice>>();

/** The first of `candidates` that works here (cached per candidate list). */
export function chooseProvider(ort: Ort, candidates: readonly string[] = DEFAULT_PROVIDERS, log: Logger = silentLogger): Promise<ProviderChoice> {
  return cachedPromise(providerChoices, candidates.join(','), () => tryProviders(ort, candidates, log));
}

async function tryProviders(ort: Ort, candidates: readonly string[], log: Logger): Promise<ProviderChoice> {
  const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
  const skipped: string[] = [];
  const model = probeModel();
  for (const provider of candidates) {
    if (!supported.has(provider)) {
      skipped.push(`${provider} (not in this onnxruntime-node build)`);
      continue;
    }
    const missing = missingProviderLibrary(provider);
    if (missing) {
      // Checked up front: ORT would print a load error to stderr for every probe otherwise.
      skipped.push(missing);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(model, { executionProviders: [provider] });
      const x = new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [1, 4]);
      const { y } = await session.run({ x });
      await session.release();
      if ((y.data as Float32Array)[3] !== 8) throw new Error('probe model gave a wrong result');
      log.debug({ provider, skipped }, 'onnx execution provider chosen');
      return { provider, skipped };
    } catch (err) {
      skipped.push(`${provider} (${(err as Error).message.split('\n')[0]})`);
    }
  }
  throw new OnnxUnavailableError(`no ONNX Runtime execution provider works here: ${skipped.join('; ')}`);
}

/**
 * The GPU providers live in shared libraries installed only on request (`npx easel gpu install`)
 * and need the CUDA libraries: checked by reading the provider's ELF dependencies
 * (provider-deps.ts), so the reason names the missing library instead of ORT's generic message.
 */
function missingProviderLibrary(provider: string): string | undefined {
  const d = diagnoseProvider(provider);
  return d.ok ? undefined : d.reason;
}
