/**
 * The worker under attack (issue #20): files a user can send that pass the bot's header probe, or
 * would if they reached the worker another way, but are expensive to decode. Each goes through the
 * real queue to a real worker (render thread with the real engine, decodes in the sandbox child)
 * as a job of its own; each ends — refused with words from the wording table, or painted — and
 * after all of them the same worker paints an ordinary photo.
 *
 * Small versions (a few hundred KB at most, built in milliseconds to seconds); the decode sandbox's
 * memory limit is lowered so the memory-hungry ones hit it at this scale. Their cost at the
 * deployment's defaults is measured by bench/decode-bombs.ts (README, Security).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { ImageError, probeImage } from '../../src/images/index.ts';
import { silentLogger } from '../../src/log.ts';
import { createJobsClient, type EaselJobsClient } from '../../src/jobs/client.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { WORDING } from '../../src/requests/wording.ts';
import * as bombs from '../fixtures/bombs.ts';
import { REPO_ROOT, testRedis, type TestRedis } from '../helpers/redis.ts';
import { EventLog, makeRequest } from '../jobs/harness.ts';

type Expected = 'painted' | keyof Pick<typeof WORDING, 'imageTooComplex' | 'imageTooDemanding' | 'imageUnreadable'>;

/** Each bomb at test scale, what the worker must make of it, and whether the bot's probe already refuses it. */
const CASES: Array<{ name: string; bomb: () => Promise<bombs.Bomb> | bombs.Bomb; worker: Expected; botProbe: 'passes' | 'too-complex' | 'corrupt' }> = [
  { name: 'png-ztxt', bomb: () => bombs.pngTextBomb('zTXt', 8 << 20, 2), worker: 'imageTooComplex', botProbe: 'too-complex' },
  { name: 'png-itxt', bomb: () => bombs.pngTextBomb('iTXt', 8 << 20, 2), worker: 'imageTooComplex', botProbe: 'too-complex' },
  { name: 'png-iccp', bomb: () => bombs.pngIccpBomb(8 << 20), worker: 'imageTooComplex', botProbe: 'too-complex' },
  { name: 'jpeg-progressive-scans', bomb: () => bombs.jpegScansBomb(1200, 3000), worker: 'imageTooComplex', botProbe: 'too-complex' },
  { name: 'png-interlaced', bomb: () => bombs.png16Bomb(4500, true), worker: 'imageTooDemanding', botProbe: 'passes' },
  { name: 'png-16bit', bomb: () => bombs.png16Bomb(4500), worker: 'painted', botProbe: 'passes' },
  { name: 'png-palette-interlaced', bomb: () => bombs.pngPaletteInterlacedBomb(3000), worker: 'painted', botProbe: 'passes' },
  { name: 'jpeg-cmyk', bomb: () => bombs.jpegCmykBomb(1200), worker: 'painted', botProbe: 'passes' },
  { name: 'jpeg-12bit', bomb: () => bombs.jpeg12BitBomb(1200), worker: 'imageUnreadable', botProbe: 'passes' },
  { name: 'tiff-16bit', bomb: () => bombs.tiff16Bomb(1200), worker: 'painted', botProbe: 'passes' },
  { name: 'tiff-cmyk', bomb: () => bombs.tiffCmykBomb(1200), worker: 'painted', botProbe: 'passes' },
  { name: 'tiff-huge-tile', bomb: () => bombs.tiffHugeTileBomb(16384), worker: 'imageUnreadable', botProbe: 'corrupt' },
  { name: 'avif-ispe-lie', bomb: () => bombs.avifIspeBomb(1200), worker: 'imageUnreadable', botProbe: 'passes' },
  { name: 'gif-frame-bigger', bomb: () => bombs.gifFrameBomb(1200, 6), worker: 'painted', botProbe: 'passes' },
  { name: 'webp-frame-bigger', bomb: () => bombs.webpFrameBomb(1200, 6), worker: 'painted', botProbe: 'passes' },
];

const LIMITS = { maxBytes: 25 * 1024 * 1024, maxPixels: 25_000_000 };

let r: TestRedis;
let config: Config;
let jobs: EaselJobsClient;
let worker: RunningWorker;
const log = new EventLog();
const built = new Map<number, bombs.Bomb>();

beforeAll(async () => {
  r = await testRedis('worker-bombs');
  config = r.config({
    EASEL_USER_COOLDOWN_S: '0',
    EASEL_JOB_ATTEMPTS: '1',
    EASEL_JOB_LOCK_MS: '8000',
    EASEL_STALLED_INTERVAL_MS: '1000',
    EASEL_SHUTDOWN_GRACE_MS: '1000',
    EASEL_MAX_INPUT_PIXELS: String(LIMITS.maxPixels),
    EASEL_DECODE_MAX_MEMORY_MB: '256',
    EASEL_DECODE_TIMEOUT_S: '60',
    EASEL_GIF_MAX_FRAMES: '6',
  });
  jobs = await createJobsClient(config, silentLogger, { sweepMs: 250 });
  await jobs.subscribe('discord', log.handler);
  // The worker as `easel worker` runs it: a render thread with the real engine, decodes in its sandbox.
  worker = await startWorker(config, { progressIntervalMs: 0 }, silentLogger);
  for (const [i, c] of CASES.entries()) built.set(i, await c.bomb());
}, 180_000);

afterAll(async () => {
  await worker?.close();
  await jobs?.close();
  await r?.cleanup();
});

async function paint(bytes: Buffer, user: string) {
  const key = await jobs.blobs.put(bytes);
  const submitted = await jobs.submit(makeRequest(key, { user: { id: user }, content: { key, width: 64, height: 64 }, options: { quality: 'fast', size: 48 } }));
  // A liveness bound, not a speed claim: every job must end.
  return log.waitForFinal(submitted.jobId, 150_000);
}

describe('decode bombs against the worker', () => {
  it.each(CASES.map((c, i) => [c.name, i, c] as const))('%s', async (name, i, c) => {
    const bomb = built.get(i)!;
    expect(bomb.name).toBe(name);
    expect(bomb.bytes.length).toBeLessThan(1024 * 1024);
    // What the bot's header probe (the intake's) makes of it.
    const probed = await probeImage(bomb.bytes, LIMITS).then(() => 'passes', (e: unknown) => (e instanceof ImageError ? e.code : String(e)));
    expect(probed, bomb.name).toBe(c.botProbe);

    const final = await paint(bomb.bytes, `bomb-${bomb.name}`);
    if (c.worker === 'painted') {
      expect(final.type, `${bomb.name}: ${final.type === 'failed' ? final.reason : ''}`).toBe('completed');
    } else {
      expect(final.type, bomb.name).toBe('failed');
      if (final.type === 'failed') expect(final.userMessage, bomb.name).toBe(WORDING[c.worker]);
    }
  }, 180_000);

  it('after all of them the same worker paints an ordinary photo', async () => {
    const photo = await readFile(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'));
    const final = await paint(photo, 'after-the-bombs');
    expect(final.type).toBe('completed');
  }, 180_000);
});
