import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

describe('easel styles', () => {
  it('lists presets as JSON and writes the gallery PNG', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'easel-styles-'));
    try {
      const out = path.join(dir, 'sub', 'gallery.png');
      const { stdout } = await run(process.execPath, ['bin/easel.js', 'styles', '--json', '--gallery', out], { env: { ...process.env, LOG_LEVEL: 'silent' } });
      const parsed = JSON.parse(stdout) as { presets: Array<{ id: string; licence: string }>; gallery: string };
      expect(parsed.presets.map((p) => p.id)).toContain('great-wave');
      expect(parsed.presets[0].licence).toBe('public-domain');
      expect(parsed.gallery).toBe(out);
      expect((await sharp(await readFile(out)).metadata()).format).toBe('png');

      const text = (await run(process.execPath, ['bin/easel.js', 'styles'])).stdout;
      expect(text).toMatch(/great-wave\s+The Great Wave off Kanagawa — Katsushika Hokusai, c\. 1831\s+painting\+fast:wave\s+Public domain/);
      expect(text).toMatch(/rain-princess .* ©/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
