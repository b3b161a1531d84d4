/**
 * Fast feed-forward style networks (Johnson et al. 2016): one forward pass per image.
 * weights/fast-style/<id>/ holds each network (see weights/fast-style/ARCHITECTURE.md).
 * Implemented on TensorFlow.js (fast-style/tfjs.ts) and on ONNX Runtime (onnx/); both satisfy this.
 */
import type { RgbImage } from '../../images/types.ts';

export const FAST_STYLE_NETWORKS = ['la_muse', 'rain_princess', 'scream', 'udnie', 'wave', 'wreck'] as const;
export type FastStyleNetworkId = (typeof FAST_STYLE_NETWORKS)[number];

export interface FastStyleRunner {
  readonly engine: string;
  readonly backend: string;
  /** Stylize an image of any size with network `id`; output has the input's size. */
  run(id: string, image: RgbImage, signal?: AbortSignal): Promise<RgbImage>;
  dispose(): Promise<void>;
}
