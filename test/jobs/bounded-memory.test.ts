/**
 * Bounded memory: images are decoded with shrink-on-load to at most twice the size the render
 * uses them at (requests/render-plan.ts decodeBounds), so the engine's working arrays (Float32
 * copies of the photo and paintings) never exceed the plan, whatever the upload's resolution.
 * The peak RSS for a 50 MP photo is measured by `npx tsx bench/memory.ts` (README).
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type RenderInput } from '../../src/engine/index.ts';
import { decodeImage } from '../../src/images/index.ts';
import { engineRenderer } from '../../src/jobs/engine-renderer.ts';
import { silentLogger } from '../../src/log.ts';
import { loadPresets } from '../../src/presets/index.ts';
import { decodeBounds } from '../../src/requests/render-plan.ts';
import type { RenderBlobs } from '../../src/jobs/types.ts';
import { REPO_ROOT } from '../helpers/redis.ts';
import { makeRequest } from './harness.ts';

/** A photo-like JPEG (gradients and texture) of width × height. */
async function bigJpeg(width: number, height: number): Promise<Buffer> {
  const small = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < small.length; i++) small[i] = (i * 37) % 251;
  return sharp(small, { raw: { width: 64, height: 48, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).jpeg({ quality: 85 }).toBuffer();
}

function memoryBlobs(entries: Record<string, Buffer>): RenderBlobs {
  return { get: async (k) => entries[k] ?? null, put: async () => 'unused' };
}

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ engine: 'onnx', weightsDir: path.join(REPO_ROOT, 'weights'), log: silentLogger });
});
afterAll(async () => engine?.dispose());

describe('bounded memory', () => {
  it('decodes a large JPEG straight to the asked bound, and never enlarges a small one', async () => {
    const jpeg = await bigJpeg(3000, 2000);
    expect(await decodeImage(jpeg, undefined, { maxSide: 512 })).toMatchObject({ width: 512, height: 341 });
    expect(await decodeImage(await bigJpeg(200, 100), undefined, { maxSide: 512 })).toMatchObject({ width: 200, height: 100 });
  });

  it("hands the engine images no larger than twice the render's working size", async () => {
    const seen: RenderInput[] = [];
    const recording: Engine = { ...engine, render: (input, onProgress, signal) => (seen.push(input), engine.render(input, onProgress, signal)) };
    const presets = await loadPresets(path.join(REPO_ROOT, 'presets'));
    const renderer = engineRenderer({ engine: recording, presets, imageLimits: {}, log: silentLogger });
    const photo = await bigJpeg(2400, 1800);
    const painting = await bigJpeg(1800, 2400);
    const blobs = memoryBlobs({ 'photo-key': photo, 'painting-key': painting });
    const size = 48;
    const task = (style: Parameters<typeof makeRequest>[1]) => {
      const request = makeRequest('photo-key', { ...style, content: { key: 'photo-key', width: 2400, height: 1800 } });
      return { jobId: 'j', v: 2 as const, notes: [], cacheKey: 'not-cached-in-this-test', request, options: { quality: 'draft' as const, size, iterations: 2, strength: 0.75, preserveColors: false, seed: 0, brush: 'normal' as const } };
    };
    const signal = new AbortController().signal;
    await renderer.render(task({ style: { kind: 'preset', presetId: 'the-scream' } }), { blobs, signal, onProgress: () => undefined });
    await renderer.render(task({ style: { kind: 'images', images: [{ blob: { key: 'painting-key', width: 1800, height: 2400 }, weight: 1 }] } }), { blobs, signal, onProgress: () => undefined });

    expect(seen).toHaveLength(2);
    for (const input of seen) {
      const bounds = decodeBounds(input.options);
      expect(Math.max(input.content.width, input.content.height)).toBeLessThanOrEqual(bounds.photo);
      expect(input.content.data.length).toBeLessThanOrEqual(bounds.photo * bounds.photo * 3);
      for (const s of input.styles) expect(Math.max(s.image.width, s.image.height)).toBeLessThanOrEqual(bounds.style);
    }
    // the plan's bound is twice the output's longest side (style scale 1 for these)
    expect(decodeBounds({ size, styleScale: 1 })).toEqual({ photo: 96, style: 96 });
    expect(Math.max(seen[1].content.width, seen[1].content.height)).toBe(96);
  });
});
