/**
 * createEngine: picks the engine (ONNX Runtime when it loads, else TensorFlow.js), logs the choice
 * and returns an Engine whose render() runs the shared pipeline (render.ts) on that engine's
 * LossBackend. Engines are a small ordered list of factories: adding one is adding an entry.
 */
import { silentLogger, type Logger } from '../log.ts';
import { FastStyleUnavailable, render, type RenderDeps } from './render.ts';
import { GramCache } from './style-targets.ts';
import type { Engine, LossBackend } from './types.ts';
import type { FastStyleRunner } from './fast-style/types.ts';
import type { TfBackendPreference } from './tfjs/backend.ts';
import { onnxEngineFactory } from './onnx/engine-factory.ts';

export type EngineName = 'onnx' | 'tfjs';

export interface BackendFactoryOptions {
  /** The weights folder (holding vgg19/ and fast-style/). */
  weightsDir: string;
  /** TensorFlow.js backend preference (the tfjs engine) — EASEL_BACKEND. */
  backend: TfBackendPreference;
  /** ONNX Runtime execution providers in preference order — EASEL_ONNX_PROVIDERS (default cuda, cpu). */
  onnxProviders?: readonly string[];
  log: Logger;
}

export interface EngineFactory {
  name: EngineName;
  createLossBackend(o: BackendFactoryOptions): Promise<LossBackend>;
  /** This engine's fast feed-forward runner, when it has one. */
  createFastStyle?(o: BackendFactoryOptions): Promise<FastStyleRunner>;
}

const tfjsFactory: EngineFactory = {
  name: 'tfjs',
  createLossBackend: async (o) => (await import('./tfjs/loss-backend.ts')).createTfjsLossBackend({ weightsDir: o.weightsDir, backend: o.backend }),
  createFastStyle: async (o) => {
    // fast-style/tfjs.ts is another module's; imported by a computed path so the engine neither
    // loads nor type-depends on it until a render needs it.
    const path = './fast-style/tfjs.ts';
    const mod = (await import(path)) as { createTfjsFastStyle(o: { weightsDir: string; backend?: TfBackendPreference }): Promise<FastStyleRunner> };
    return mod.createTfjsFastStyle({ weightsDir: o.weightsDir, backend: o.backend });
  },
};

/** In order of preference for engine 'auto': ONNX Runtime when it loads, else TensorFlow.js. */
export const ENGINE_FACTORIES: EngineFactory[] = [onnxEngineFactory(), tfjsFactory];

export interface CreateEngineOptions {
  engine?: 'auto' | EngineName;
  backend?: TfBackendPreference;
  onnxProviders?: readonly string[];
  weightsDir: string;
  log?: Logger;
  /** Use this fast-style runner instead of the engines' own. */
  fastStyle?: FastStyleRunner;
  /** The engines to choose from, in preference order (default ENGINE_FACTORIES; tests pass failing ones). */
  factories?: EngineFactory[];
}

export async function createEngine(opts: CreateEngineOptions): Promise<Engine> {
  const log = opts.log ?? silentLogger;
  const want = opts.engine ?? 'auto';
  const factoryOpts: BackendFactoryOptions = { weightsDir: opts.weightsDir, backend: opts.backend ?? 'auto', onnxProviders: opts.onnxProviders, log };
  const factories = opts.factories ?? ENGINE_FACTORIES;
  const candidates = want === 'auto' ? factories : factories.filter((f) => f.name === want);
  if (candidates.length === 0) throw new Error(`engine '${want}' is not available in this build (have: ${factories.map((f) => f.name).join(', ')})`);

  let chosen: { factory: EngineFactory; backend: LossBackend } | undefined;
  const failures: string[] = [];
  for (const factory of candidates) {
    try {
      chosen = { factory, backend: await factory.createLossBackend(factoryOpts) };
      break;
    } catch (err) {
      failures.push(`${factory.name}: ${(err as Error).message}`);
      log.warn({ engine: factory.name, err: (err as Error).message }, 'engine unavailable, trying the next');
    }
  }
  if (!chosen) throw new Error(`no style-transfer engine could start (${failures.join('; ')})`);
  const { factory, backend } = chosen;
  log.info({ engine: backend.engine, backend: backend.backend }, 'style-transfer engine selected');

  let fastStyle: Promise<FastStyleRunner> | undefined = opts.fastStyle ? Promise.resolve(opts.fastStyle) : undefined;
  const fastStyleLoader = async (): Promise<FastStyleRunner> => {
    fastStyle ??= loadFastStyle(factory, factoryOpts, factories);
    fastStyle.catch(() => (fastStyle = undefined));
    return fastStyle;
  };
  const deps: RenderDeps = { backend, fastStyle: fastStyleLoader, gramCache: new GramCache() };

  return {
    name: backend.engine,
    backend: backend.backend,
    render: (input, onProgress, signal) => render(deps, input, onProgress, signal),
    async dispose() {
      deps.gramCache?.clear();
      backend.dispose();
      if (fastStyle && !opts.fastStyle) await (await fastStyle.catch(() => undefined))?.dispose();
    },
  };
}

/** The chosen engine's own fast-style runner, else any other engine's that loads. */
async function loadFastStyle(preferred: EngineFactory, o: BackendFactoryOptions, factories: EngineFactory[]): Promise<FastStyleRunner> {
  const order = [preferred, ...factories.filter((f) => f !== preferred)].filter((f) => f.createFastStyle);
  const failures: string[] = [];
  for (const f of order) {
    try {
      const runner = await f.createFastStyle!(o);
      o.log.info({ engine: runner.engine, backend: runner.backend }, 'fast-style networks loaded');
      return runner;
    } catch (err) {
      failures.push(`${f.name}: ${(err as Error).message}`);
    }
  }
  throw new FastStyleUnavailable(`quality 'fast' is not available: no fast-style runner loads (${failures.join('; ')})`);
}

export { render } from './render.ts';
export { renderAnimation, DEFAULT_ANIMATION_LIMITS, type AnimationInput, type AnimationLimits, type AnimationResult } from './animation.ts';
export { RenderCancelled } from './types.ts';
export type { Engine, RenderInput, RenderOptions, RenderResult, RenderProgress } from './types.ts';
