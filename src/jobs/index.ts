/**
 * The jobs layer: BullMQ render queue on Redis, blobs, limits, result cache, delivery.
 *
 *   bot side     createJobsClient(config, log, opts?) → JobsClient (types.ts) for the adapters
 *   worker side  startWorker(config, deps, log)        → renders jobs with the engine (or deps.renderer)
 */
export * from './types.ts';
export { createJobsClient, type EaselJobsClient, type JobsClientOptions } from './client.ts';
export { startWorker, type RunningWorker, type WorkerDeps } from './worker.ts';
export { noopRenderer, type RenderContext, type RenderOutput, type RenderStep, type RenderTask, type Renderer } from './render.ts';
export { RedisBlobStore, blobKeyOf } from './blobs.ts';
export { failureText, type FailureCode } from './failures.ts';
