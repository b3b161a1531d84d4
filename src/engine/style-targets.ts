/**
 * Gram targets of style images, cached per (engine, image content, size, pooling, layers): the same
 * preset painting is used again and again, and computing its Grams costs a forward pass.
 * A small LRU: each entry is ~2.4 MB for the default five layers.
 */
import { createHash } from 'node:crypto';
import type { RgbImage } from '../images/types.ts';
import type { LayerName, LossBackend, Pooling } from './types.ts';
import { resizeRgb } from '../images/resize.ts';
import { toFloat } from './pixels.ts';

export function imageKey(img: RgbImage): string {
  return createHash('sha1').update(img.data).update(`${img.width}x${img.height}`).digest('hex');
}

export class GramCache {
  private readonly entries = new Map<string, Promise<Float32Array[]>>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 16) {}

  /** Grams of `image` resized to width×height (computed once per key). */
  get(backend: LossBackend, image: RgbImage, key: string, width: number, height: number, layers: readonly LayerName[], pooling: Pooling): Promise<Float32Array[]> {
    const k = `${backend.engine}|${backend.backend}|${key}|${width}x${height}|${pooling}|${layers.join(',')}`;
    const hit = this.entries.get(k);
    if (hit) {
      this.hits++;
      this.entries.delete(k); // move to the most-recent end
      this.entries.set(k, hit);
      return hit;
    }
    this.misses++;
    const p = (async () => {
      const sized = toFloat(await resizeRgb(image, width, height));
      return backend.grams(sized.data, height, width, [...layers], pooling);
    })();
    p.catch(() => this.entries.delete(k));
    this.entries.set(k, p);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return p;
  }

  clear(): void {
    this.entries.clear();
  }
}
