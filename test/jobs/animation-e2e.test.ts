/**
 * An animated photo through the real queue, a real worker and the real engine: a 6-frame GIF made
 * from an example photo comes back (as a blob beside the first-frame PNG) as a 6-frame GIF under
 * the upload limit, every frame painted and the frames distinct; progress counts frames.
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient, type EaselJobsClient } from '../../src/jobs/client.ts';
import { ANIMATION_MAX_BYTES, createEngineRenderer } from '../../src/jobs/engine-renderer.ts';
import type { Renderer } from '../../src/jobs/render.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { decodeAnimation, meanAbsoluteDifference, resizeRgb, type AnimatedImage } from '../../src/images/index.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import * as fx from '../fixtures/images.ts';
import { EventLog, makeRequest } from './harness.ts';

let renderer: Renderer;
let r: TestRedis;
let config: Config;
let clipBytes: Buffer;
let clip: AnimatedImage;
let jobs: EaselJobsClient;
const log = new EventLog();
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  renderer = await createEngineRenderer(loadConfig({ LOG_LEVEL: 'silent' }, REPO_ROOT), silentLogger);
  clipBytes = await fx.panningClip(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'), { frames: 6, width: 48, height: 36, step: 3 });
  clip = await decodeAnimation(clipBytes, { maxFrames: 6 });
  r = await testRedis('anim');
  // Status updates as often as they come (the latest wins), so short renders still show progress.
  config = r.config({ EASEL_USER_COOLDOWN_S: '0', EASEL_JOB_LOCK_MS: '8000', EASEL_STALLED_INTERVAL_MS: '1000', EASEL_EDIT_INTERVAL_MS: '0' });
  // One bot and one worker for the file: a second subscriber would be sent some of the results.
  jobs = await createJobsClient(config, silentLogger, { sweepMs: 250 });
  closers.push(() => jobs.close());
  await jobs.subscribe('discord', log.handler);
  const worker = await startWorker(config, { renderer, progressIntervalMs: 0 }, silentLogger);
  closers.push(() => worker.close());
});
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await r?.cleanup();
  await renderer?.close?.();
});

async function paint(style: string, options: Record<string, unknown>) {
  const key = await jobs.blobs.put(clipBytes);
  const s = await jobs.submit(makeRequest(key, { content: { key, width: 48, height: 36 }, style: { kind: 'preset', presetId: style }, options: options as never }));
  const final = await log.waitForFinal(s.jobId, 120_000);
  if (final.type !== 'completed') throw new Error(`expected completed, got ${JSON.stringify(final)}`);
  return { result: final.result, progress: log.of(s.jobId).flatMap((e) => (e.type === 'progress' ? [e.progress] : [])) };
}

async function expectPaintedGif(bytes: Buffer): Promise<void> {
  expect(bytes.length).toBeLessThanOrEqual(ANIMATION_MAX_BYTES);
  expect((await sharp(bytes).metadata()).format).toBe('gif');
  const out = await decodeAnimation(bytes, { maxFrames: 48 });
  expect(out.frames).toHaveLength(6);
  expect(out.delays).toEqual(clip.delays);
  for (let i = 0; i < 6; i++) {
    expect(meanAbsoluteDifference(out.frames[i], await resizeRgb(clip.frames[i], out.width, out.height))).toBeGreaterThan(8);
    if (i > 0) expect(meanAbsoluteDifference(out.frames[i], out.frames[i - 1])).toBeGreaterThan(1);
  }
}

describe('an animated photo through the queue', () => {
  it("is painted frame by frame with a preset's fast network and delivered as a 6-frame GIF", async () => {
    const { result } = await paint('udnie', { quality: 'balanced', size: 64 });
    expect(result.animation).toMatchObject({ format: 'gif', frames: 6 });
    expect(result).toMatchObject({ width: 48, height: 36, iterations: 0 }); // the fast network, never enlarged past the clip
    await expectPaintedGif((await jobs.blobs.get(result.animation!.key))!);
    expect((await sharp((await jobs.blobs.get(result.resultKey))!).metadata()).format).toBe('png');
  });

  it('is painted with the optimisation when the preset has no fast network, progress counting frames', async () => {
    const { result, progress } = await paint('starry-night', { quality: 'draft', size: 48, iterations: 8 });
    expect(result.animation).toMatchObject({ format: 'gif', frames: 6 });
    expect(result.iterations).toBeGreaterThan(6);
    expect(result.iterations).toBeLessThanOrEqual(8 + 5 * 2);
    await expectPaintedGif((await jobs.blobs.get(result.animation!.key))!);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.total === 6 && /^frame \d\/6$/.test(p.stage))).toBe(true);
  });
});
