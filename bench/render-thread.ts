/**
 * What rendering in a thread costs (src/jobs/render-thread.ts) next to rendering on the worker's own
 * event loop, for the same job: photo bytes → decode → engine → PNG, with progress and previews.
 *
 *   npx tsx bench/render-thread.ts [--size 256] [--quality draft] [--runs 3] [--json]
 *
 * Both renderers are warmed up with one render (sessions built, weights loaded), then timed
 * alternately (in-process, thread, in-process, …) so a shared machine's load hits both alike. The
 * overhead is the difference of the medians, as a share of the in-process render.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { createEngineRenderer } from '../src/jobs/engine-renderer.ts';
import { threadRenderer } from '../src/jobs/render-thread.ts';
import type { RenderTask, Renderer } from '../src/jobs/render.ts';
import type { RenderBlobs } from '../src/jobs/types.ts';
import type { Quality } from '../src/requests/render-plan.ts';

const { values } = parseArgs({ options: { size: { type: 'string', default: '256' }, quality: { type: 'string', default: 'draft' }, runs: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const photo = await readFile(path.join(config.assets.presetsDir, 'photos', 'dancer_ballerina.jpg'));
const blobs: RenderBlobs = { get: async () => photo, put: async () => 'unused' };
const task: RenderTask = {
  jobId: 'thread-bench',
  request: { requestId: 'thread-bench', platform: 'cli', user: { id: 'bench' }, replyTo: {}, content: { key: 'photo-bytes', width: 1, height: 1 }, style: { kind: 'preset', presetId: 'starry-night' }, options: {} },
  options: { size: Number(values.size), quality: values.quality as Quality, seed: 1, strength: 0.75, preserveColors: false, brush: 'normal' },
  v: 2,
  notes: [],
  cacheKey: 'thread-bench-not-cached',
};

async function timed(r: Renderer): Promise<number> {
  const t = performance.now();
  await r.render(task, { blobs, signal: new AbortController().signal, onProgress: () => undefined });
  return performance.now() - t;
}

const inProcess = await createEngineRenderer(config, silentLogger);
const inThread = await threadRenderer({ module: new URL('../src/jobs/engine-render-thread.ts', import.meta.url), data: config, slots: 1, log: silentLogger });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
try {
  await timed(inProcess);
  await timed(inThread);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    a.push(await timed(inProcess));
    b.push(await timed(inThread));
  }
  const result = {
    size: task.options.size, quality: task.options.quality, runs: a.length, cpus: os.cpus().length,
    inProcessMs: Math.round(median(a)), threadMs: Math.round(median(b)),
    overheadMs: Math.round(median(b) - median(a)), overheadPercent: +((100 * (median(b) - median(a))) / median(a)).toFixed(1),
    all: { inProcess: a.map(Math.round), thread: b.map(Math.round) },
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${result.quality} render at ${result.size} px, median of ${result.runs}: in-process ${result.inProcessMs} ms, in a thread ${result.threadMs} ms — overhead ${result.overheadMs} ms (${result.overheadPercent}%)\n  all: in-process ${result.all.inProcess.join(', ')} ms; thread ${result.all.thread.join(', ')} ms\n`);
} finally {
  await inProcess.close?.();
  await inThread.close?.();
}
