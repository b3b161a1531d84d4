import { afterAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, rm, truncate, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadFastStyleWeights, expectedShapes, FastStyleError, FAST_STYLE_NETWORKS, TRANSFORM_NET } from '../../src/engine/fast-style/index.ts';

const tmp = await mkdtemp(path.join(os.tmpdir(), 'easel-fast-weights-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('fast-style weights', () => {
  it('describes the 48 variables of ARCHITECTURE.md: 16 convs, 5 residual blocks', () => {
    const shapes = expectedShapes();
    expect(shapes.size).toBe(48);
    expect(shapes.get('Variable')).toEqual([9, 9, 3, 32]);
    expect(shapes.get('Variable_39')).toEqual([3, 3, 64, 128]); // deconv: [k, k, out, in]
    expect(shapes.get('Variable_45')).toEqual([9, 9, 32, 3]);
    expect(TRANSFORM_NET.filter((l) => l.kind === 'residual')).toHaveLength(5);
  });

  it('loads every installed network with the expected shapes (6,710,552 bytes each)', async () => {
    for (const id of FAST_STYLE_NETWORKS) {
      const w = await loadFastStyleWeights('weights', id);
      expect(w.size).toBe(48);
      expect([...w.values()].reduce((n, t) => n + t.data.byteLength, 0)).toBe(6_710_552);
      expect(w.get('Variable')!.data.every(Number.isFinite)).toBe(true);
    }
  });

  it('names the variable of a damaged or mismatched file', async () => {
    const dir = path.join(tmp, 'fast-style', 'wave');
    await cp('weights/fast-style/wave', dir, { recursive: true });
    await truncate(path.join(dir, 'Variable_12'), 100);
    await expect(loadFastStyleWeights(tmp, 'wave')).rejects.toThrow(/Variable_12 is 100 bytes/);

    await cp('weights/fast-style/wave/Variable_12', path.join(dir, 'Variable_12'));
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    manifest.Variable_3.shape = [3, 3, 64, 32];
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadFastStyleWeights(tmp, 'wave')).rejects.toThrow(/Variable_3 has shape/);

    await expect(loadFastStyleWeights(tmp, 'udnie')).rejects.toBeInstanceOf(FastStyleError); // not installed there
  });
});
