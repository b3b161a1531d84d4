/**
 * Renders off the event loop: one `worker_threads` thread per job slot. ONNX Runtime's `run`, its
 * session creation and tfjs on cpu/wasm block the thread they run on for seconds (minutes for a
 * first TensorRT build); in a thread of their own they leave the BullMQ worker's event loop free,
 * so job locks keep being renewed, progress flows, and cancel, deadlines and SIGTERM are answered
 * at once.
 *
 *   main (this file)                         thread (render-thread-host.ts + an entry module)
 *   fetch the job's blobs from Redis  ──►    renderer.render (decode, engine, encode)
 *   ctx.onProgress, preview bytes     ◄──    steps, previews as JPEG bytes
 *   result                            ◄──    PNG bytes, or a failure (JobFailure's code kept)
 *   abort (cancel, deadline, shutdown) ─►    'abort': the engine stops after its current step
 *
 * The render promise settles as soon as the signal fires, so the job ends at once; the thread
 * finishes its current step in the background and then takes the next job (a job waiting for it
 * meanwhile keeps its lock). Only a thread that has not stopped after `stopGraceMs` (a hung
 * native call) is terminated and replaced: terminating a thread while a native addon has work in
 * flight can abort the whole process, so it is the last resort, not the way to cancel.
 * Each thread keeps its engine (weights, sessions, Gram cache) across jobs.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../log.ts';
import { JobFailure, type FailureCode } from './failures.ts';
import type { RenderOutput, RenderTask, Renderer } from './render.ts';

/** How long a thread may take to stop after 'abort' before it is terminated (a long ONNX step is seconds). */
export const STOP_GRACE_MS = 60_000;

/** main → thread */
export type ToThread = { type: 'render'; task: RenderTask; blobs: Record<string, Uint8Array> } | { type: 'abort' } | { type: 'close' };

export interface SerializedFailure {
  message: string;
  code?: FailureCode;
  userMessage?: string;
}

/** thread → main */
export type FromThread =
  | { type: 'ready' }
  | { type: 'init-failed'; error: SerializedFailure }
  | { type: 'progress'; step: number; total: number; stage: string; etaMs?: number; preview?: Uint8Array }
  | { type: 'done'; output: Omit<RenderOutput, 'png' | 'animation'> & { png: Uint8Array; animation?: Omit<NonNullable<RenderOutput['animation']>, 'data'> & { data: Uint8Array } } }
  | { type: 'failed'; error: SerializedFailure };

export interface ThreadRendererOptions {
  /** The thread's entry module: it calls serveRenderThread (render-thread-host.ts). */
  module: URL;
  /** Handed to the entry module as `workerData` (structured-cloned: plain data only). */
  data: unknown;
  /** Threads at most, one per job slot (the worker's concurrency). */
  slots: number;
  /** Default STOP_GRACE_MS. */
  stopGraceMs?: number;
  log: Logger;
}

/**
 * The thread starts through tsx, like the CLI (bin/easel.js): the project runs its TypeScript
 * sources directly, in every thread.
 */
const require = createRequire(import.meta.url);
// tsx's ES module API (its CommonJS build cannot register ESM hooks when imported).
const TSX_API = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
const BOOTSTRAP = `
const { workerData } = await import('node:worker_threads');
const { register } = await import(workerData.tsx);
register();
await import(workerData.entry);
`;

interface RenderThread {
  readonly worker: Worker;
  /** The render in progress, told of every message. */
  listener?: (m: FromThread) => void;
  exited: boolean;
}

export function failureFrom(e: SerializedFailure): Error {
  return e.code ? new JobFailure(e.code, e.message, e.userMessage) : new Error(e.message);
}

export function serializeFailure(err: unknown): SerializedFailure {
  if (err instanceof JobFailure) return { message: err.message, code: err.code, userMessage: err.userMessage };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** A Renderer that runs each render in a thread of its own (see the module comment). Resolves once the first thread is ready. */
export async function threadRenderer(opts: ThreadRendererOptions): Promise<Renderer & { threads(): number }> {
  const stopGraceMs = opts.stopGraceMs ?? STOP_GRACE_MS;
  const idle: RenderThread[] = [];
  const live = new Set<RenderThread>();
  /** Renders waiting for a thread: woken when one is released or one ends. */
  let wake: Array<() => void> = [];
  const wakeAll = () => {
    const w = wake;
    wake = [];
    w.forEach((f) => f());
  };
  let closed = false;

  const spawn = (): Promise<RenderThread> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { tsx: TSX_API, entry: opts.module.href, data: opts.data } });
      const t: RenderThread = { worker, exited: false };
      live.add(t);
      worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') resolve(t);
        else if (m.type === 'init-failed') reject(failureFrom(m.error));
        else t.listener?.(m);
      });
      worker.on('error', (err) => {
        opts.log.error({ err }, 'render thread failed');
        // It is stopping: never hand it another job.
        t.exited = true;
        live.delete(t);
        reject(err);
        t.listener?.({ type: 'failed', error: { message: `render thread failed: ${err.message}` } });
      });
      worker.on('exit', (code) => {
        t.exited = true;
        live.delete(t);
        const at = idle.indexOf(t);
        if (at >= 0) idle.splice(at, 1);
        reject(new Error(`render thread exited (code ${code}) before it was ready`));
        wakeAll();
        t.listener?.({ type: 'failed', error: { message: `render thread exited (code ${code})` } });
      });
    });

  const release = (t: RenderThread) => {
    t.listener = undefined;
    if (t.exited || closed) return;
    idle.push(t);
    wakeAll();
  };

  /** An idle thread, a new one while there are fewer than `slots`, else the next released. */
  const acquire = async (): Promise<RenderThread> => {
    for (;;) {
      const t = idle.pop();
      if (t && !t.exited) return t;
      if (t) continue;
      if (live.size < opts.slots) return spawn();
      await new Promise<void>((resolve) => wake.push(resolve));
    }
  };

  /** Stop a thread's render: ask, then terminate if it is stuck in a synchronous step. */
  const stop = (t: RenderThread) => {
    let answered = false;
    t.listener = (m) => {
      if (m.type === 'done' || m.type === 'failed') {
        answered = true;
        clearTimeout(timer);
        release(t);
      }
    };
    const timer = setTimeout(() => {
      if (answered) return;
      opts.log.warn({ graceMs: stopGraceMs }, 'render thread did not stop: terminating it (a fresh one takes its place)');
      live.delete(t);
      void t.worker.terminate();
      // Its replacement starts now, so the next job does not wait for an engine to load.
      if (!closed) spawn().then(release, (err: unknown) => opts.log.error({ err }, 'a replacement render thread failed to start'));
    }, stopGraceMs);
    t.worker.postMessage({ type: 'abort' } satisfies ToThread);
  };

  // The first thread now: an engine that cannot start fails the worker's start, not its first job.
  idle.push(await spawn());

  return {
    threads: () => live.size,
    async render(task: RenderTask, ctx): Promise<RenderOutput> {
      // Image bytes come from Redis here; the thread needs no connection of its own.
      const keys = [task.request.content.key, ...(task.request.style.kind === 'images' ? task.request.style.images.map((s) => s.blob.key) : [])];
      const blobs: Record<string, Uint8Array> = {};
      for (const key of keys) {
        const bytes = await ctx.blobs.get(key);
        if (bytes) blobs[key] = bytes;
      }
      if (ctx.signal.aborted) throw new JobFailure('cancelled', 'cancelled before the render started');
      const t = await acquire();
      return new Promise<RenderOutput>((resolve, reject) => {
        const onAbort = () => {
          reject(new JobFailure('cancelled', 'render stopped'));
          stop(t);
        };
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        const settle = () => ctx.signal.removeEventListener('abort', onAbort);
        t.listener = (m) => {
          if (m.type === 'progress') {
            ctx.onProgress({ step: m.step, total: m.total, stage: m.stage, etaMs: m.etaMs, preview: m.preview ? Buffer.from(m.preview) : undefined });
          } else if (m.type === 'done') {
            settle();
            release(t);
            // Buffers arrive as plain Uint8Arrays (structured clone): view them as Buffers again.
            const { png, animation } = m.output;
            resolve({ ...m.output, png: asBuffer(png), animation: animation && { ...animation, data: asBuffer(animation.data) } });
          } else if (m.type === 'failed') {
            settle();
            release(t);
            reject(failureFrom(m.error));
          }
        };
        t.worker.postMessage({ type: 'render', task, blobs } satisfies ToThread);
      });
    },
    async close() {
      closed = true;
      const all = [...live];
      idle.length = 0;
      await Promise.all(
        all.map(async (t) => {
          const exited = new Promise<void>((resolve) => (t.exited ? resolve() : t.worker.once('exit', () => resolve())));
          t.worker.postMessage({ type: 'close' } satisfies ToThread);
          // An engine that will not dispose in time is not waited for.
          const timer = setTimeout(() => void t.worker.terminate(), 5000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
