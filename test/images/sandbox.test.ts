/**
 * The decode sandbox (src/images/sandbox.ts): users' images decoded in a child process under a
 * memory limit and a deadline. A decode that needs more memory is refused, one that hangs is
 * killed, one whose process dies is refused — and each time the next decode works.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageError, probeImage } from '../../src/images/index.ts';
import { DecodeSandbox } from '../../src/images/sandbox.ts';
import { png16Bomb } from '../fixtures/bombs.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

const MISBEHAVING = new URL('./fixtures/misbehaving-decode-child.ts', import.meta.url);
const MIB = 1024 * 1024;
let photo: Buffer;
let sandbox: DecodeSandbox;
const incidents: string[] = [];

beforeAll(async () => {
  photo = await readFile(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg'));
  // Node, tsx and sharp take about 140 MiB of the limit before any image.
  sandbox = new DecodeSandbox({ memoryBytes: 256 * MIB, timeoutMs: 15_000, entry: MISBEHAVING, onIncident: (i) => incidents.push(i.kind) });
  await sandbox.start();
}, 60_000);
afterAll(async () => {
  await sandbox?.close();
});

const refusal = (p: Promise<unknown>) => p.then(() => 'decoded', (e: unknown) => (e instanceof ImageError ? e.code : `other: ${String(e)}`));

describe('DecodeSandbox', () => {
  it('decodes exactly what the inline decoder does, and probes the same', async () => {
    const inline = await decodeImage(photo, undefined, { maxSide: 200 });
    const sandboxed = await sandbox.image(photo, {}, { maxSide: 200 });
    expect([sandboxed.width, sandboxed.height]).toEqual([inline.width, inline.height]);
    expect(Buffer.compare(Buffer.from(sandboxed.data), Buffer.from(inline.data))).toBe(0);
    expect(await sandbox.probe(photo, {})).toEqual(await probeImage(photo));
    // Its errors are the image module's own.
    expect(await refusal(sandbox.image(Buffer.from('not an image at all, just text'), {}))).toBe('unsupported-format');
  }, 60_000);

  it('refuses a decode that needs more memory than its limit, then decodes the next file', async () => {
    // 4500×4500 interlaced 16-bit RGBA: libvips holds the whole image (162 MB) before the first row.
    const { bytes } = png16Bomb(4500, true);
    expect(await refusal(sandbox.image(bytes, { maxPixels: 25_000_000 }, { maxSide: 256 }))).toBe('decode-limit');
    expect((await sandbox.image(photo, {}, { maxSide: 64 })).width).toBe(64);
  }, 60_000);

  it('kills a decode that hangs past its deadline and replaces the child', async () => {
    const quick = new DecodeSandbox({ memoryBytes: 512 * MIB, timeoutMs: 1_500, entry: MISBEHAVING, onIncident: (i) => incidents.push(i.kind) });
    try {
      expect(await refusal(quick.image(Buffer.from('HANG: a decoder stuck in a loop'), {}))).toBe('decode-limit');
      expect(incidents).toContain('timeout');
      expect((await quick.image(photo, {}, { maxSide: 64 })).width).toBe(64);
    } finally {
      await quick.close();
    }
  }, 90_000);

  it('refuses a decode whose process dies (a crash, or growing past the limit), then decodes the next file', async () => {
    expect(await refusal(sandbox.image(Buffer.from('CRASH: a decoder that aborts'), {}))).toBe('decode-limit');
    expect(await refusal(sandbox.image(Buffer.from('GROW: allocates without end'), {}))).toBe('decode-limit');
    expect(incidents.filter((k) => k === 'exit').length).toBeGreaterThanOrEqual(2);
    expect((await sandbox.image(photo, {}, { maxSide: 64 })).width).toBe(64);
  }, 90_000);
});
