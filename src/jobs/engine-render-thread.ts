/**
 * Entry module of a render thread running the real engine (render-thread.ts starts it with the
 * worker's Config as workerData.data).
 */
import { workerData, threadId } from 'node:worker_threads';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { createEngineRenderer } from './engine-renderer.ts';
import { serveRenderThread } from './render-thread-host.ts';

const config = (workerData as { data: Config }).data;
const log = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'easel-worker' }).child({ renderThread: threadId });
await serveRenderThread(() => createEngineRenderer(config, log));
