/**
 * Timing of the fast networks (for `easel bench --only fast` and the README's figures): ms per
 * forward pass at each size, after one warm-up run that uploads the weights and compiles kernels.
 */
import type { FastStyleRunner } from '../src/engine/fast-style/types.ts';

export interface FastStyleTiming {
  network: string;
  size: number;
  /** Median over `repeats` runs. */
  ms: number;
  runs: number[];
}

/** A deterministic photo-like test image (smooth gradients plus texture), so runs are comparable. */
function testImage(size: number) {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      data[i] = (x * 255) / size;
      data[i + 1] = (y * 255) / size;
      data[i + 2] = 128 + 100 * Math.sin((x + y) / 7);
    }
  return { width: size, height: size, data };
}

export async function benchFastStyle(runner: FastStyleRunner, opts: { network?: string; sizes?: number[]; repeats?: number } = {}): Promise<FastStyleTiming[]> {
  const network = opts.network ?? 'wave';
  const repeats = Math.max(1, opts.repeats ?? 3);
  const results: FastStyleTiming[] = [];
  for (const size of opts.sizes ?? [256, 512]) {
    const image = testImage(size);
    await runner.run(network, image); // warm-up
    const runs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t = performance.now();
      await runner.run(network, image);
      runs.push(Math.round(performance.now() - t));
    }
    const sorted = [...runs].sort((a, b) => a - b);
    results.push({ network, size, ms: sorted[Math.floor(sorted.length / 2)], runs });
  }
  return results;
}
