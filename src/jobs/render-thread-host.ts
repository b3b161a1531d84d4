/**
 * The thread side of render-thread.ts: serves one render at a time with the renderer its entry
 * module creates (once per thread: weights and sessions stay loaded across jobs).
 */
import { parentPort } from 'node:worker_threads';
import type { Renderer } from './render.ts';
import { serializeFailure, type FromThread, type ToThread } from './render-thread.ts';

/** Image bytes the main thread fetched for this job, as a read-only blob store. */
function blobStore(blobs: Record<string, Uint8Array>) {
  return {
    get: async (key: string) => (blobs[key] ? Buffer.from(blobs[key].buffer, blobs[key].byteOffset, blobs[key].byteLength) : null),
    put: async (): Promise<string> => {
      throw new Error('a render thread stores no blobs');
    },
  };
}

export async function serveRenderThread(create: () => Promise<Renderer>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('serveRenderThread runs inside a worker thread');
  const post = (m: FromThread) => port.postMessage(m);
  let renderer: Renderer;
  try {
    renderer = await create();
  } catch (err) {
    post({ type: 'init-failed', error: serializeFailure(err) });
    return;
  }
  let current: AbortController | undefined;
  port.on('message', (m: ToThread) => {
    if (m.type === 'abort') current?.abort();
    else if (m.type === 'close') {
      current?.abort();
      void Promise.resolve(renderer.close?.()).finally(() => port.close());
    } else if (m.type === 'render') {
      const ac = new AbortController();
      current = ac;
      // Progress in order, previews awaited (they are encoded while the engine goes on).
      let progress: Promise<void> = Promise.resolve();
      void renderer
        .render(m.task, {
          blobs: blobStore(m.blobs),
          signal: ac.signal,
          onProgress: (s) => {
            progress = progress.then(async () => {
              const preview = s.preview ? await s.preview : undefined;
              post({ type: 'progress', step: s.step, total: s.total, stage: s.stage, etaMs: s.etaMs, preview });
            }).catch(() => undefined);
          },
        })
        .then(
          async (output) => {
            await progress;
            post({ type: 'done', output });
          },
          async (err: unknown) => {
            await progress;
            post({ type: 'failed', error: serializeFailure(err) });
          },
        )
        .finally(() => {
          if (current === ac) current = undefined;
        });
    }
  });
  post({ type: 'ready' });
}
