/**
 * Fast feed-forward styles on TensorFlow.js: the transformer network of architecture.ts, one forward
 * pass per image. Weights are uploaded once per network and kept; each run works layer by layer,
 * freeing what it no longer needs and checking the AbortSignal between layers.
 *
 * Any input size works: the image is mirror-padded up to a multiple of 4 (two stride-2 convs down,
 * two ×2 deconvs up), run, and cropped back, so odd sizes come out exactly the input's size and
 * without a seam at the padded edge.
 */
import { initTfjs, type TfBackendPreference, tf } from '../tfjs/backend.ts';
import { RenderCancelled } from '../types.ts';
import type { RgbImage } from '../../images/types.ts';
import type { FastStyleRunner } from './types.ts';
import { INSTANCE_NORM_EPSILON, OUTPUT_OFFSET, OUTPUT_SCALE, SIZE_MULTIPLE, TRANSFORM_NET, type ConvLayer } from './architecture.ts';
import { FastStyleError, loadFastStyleWeights } from './weights.ts';
import { cachedPromise } from '../../util/cached-promise.ts';

export interface TfjsFastStyleOptions {
  /** The weights folder holding fast-style/<id>/ (Config.assets.weightsDir). */
  weightsDir: string;
  /** TensorFlow.js backend preference (Config.render.backend); the process's first choice wins. */
  backend?: TfBackendPreference;
}

type Net = Map<string, tf.Tensor>;

function instanceNorm(x: tf.Tensor4D, shift: tf.Tensor, scale: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  // Functional ops (not chained methods): tfjs-core registers chained ops only when the full tfjs bundle is loaded.
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, INSTANCE_NORM_EPSILON))), scale), shift);
}

function convBlock(x: tf.Tensor4D, layer: ConvLayer, net: Net): tf.Tensor4D {
  const weight = net.get(layer.weight) as tf.Tensor4D;
  const [, h, w] = x.shape;
  const y =
    layer.kind === 'conv'
      ? tf.conv2d(x, weight, layer.stride, 'same')
      : tf.conv2dTranspose(x, weight, [1, h * layer.stride, w * layer.stride, layer.outChannels], layer.stride, 'same');
  const normed = instanceNorm(y, net.get(layer.shift)!, net.get(layer.scale)!);
  return layer.relu ? tf.relu(normed) : normed;
}

/** Mirror-pad bottom and right up to a multiple of `m` (symmetric mode needs pad ≤ size; tiny images fall back to edge-grey). */
function padToMultiple(x: tf.Tensor4D, m: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const ph = (m - (h % m)) % m;
  const pw = (m - (w % m)) % m;
  if (ph === 0 && pw === 0) return x;
  const paddings: Array<[number, number]> = [[0, 0], [0, ph], [0, pw], [0, 0]];
  return ph <= h && pw <= w ? tf.mirrorPad(x, paddings, 'symmetric') : tf.pad(x, paddings, OUTPUT_OFFSET);
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function createTfjsFastStyle(opts: TfjsFastStyleOptions): Promise<FastStyleRunner> {
  const { backend } = await initTfjs(opts.backend ?? 'auto');
  const nets = new Map<string, Promise<Net>>();

  function loadNet(id: string): Promise<Net> {
    return cachedPromise(nets, id, () =>
      loadFastStyleWeights(opts.weightsDir, id).then((weights) => {
        const tensors: Net = new Map();
        for (const [name, t] of weights) tensors.set(name, tf.tensor(t.data, t.shape, 'float32'));
        return tensors;
      }),
    );
  }

  async function run(id: string, image: RgbImage, signal?: AbortSignal): Promise<RgbImage> {
    const { width, height, data } = image;
    if (!(width > 0 && height > 0) || data.length !== width * height * 3) throw new FastStyleError(`bad RgbImage ${width}x${height} with ${data.length} bytes`);
    const check = () => {
      if (signal?.aborted) throw new RenderCancelled();
    };
    check();
    const net = await loadNet(id);
    check();

    // Each step is tidied; `current` is the one live activation between steps.
    let current: tf.Tensor4D = tf.tidy(() => padToMultiple(tf.tensor4d(Float32Array.from(data), [1, height, width, 3]), SIZE_MULTIPLE));
    const step = async (f: (x: tf.Tensor4D) => tf.Tensor4D) => {
      const next = tf.tidy(() => f(current));
      current.dispose();
      current = next;
      await nextTick(); // let an abort (or anything else queued) through between layers
      check();
    };
    try {
      for (const layer of TRANSFORM_NET) {
        if (layer.kind === 'residual') await step((x) => tf.add(x, convBlock(convBlock(x, layer.first, net), layer.second, net)));
        else await step((x) => convBlock(x, layer, net));
      }
      await step((z) => {
        const rgb = tf.clipByValue(tf.add(tf.mul(tf.tanh(z), OUTPUT_SCALE), OUTPUT_OFFSET), 0, 255);
        return tf.round(tf.slice(rgb, [0, 0, 0, 0], [1, height, width, 3])) as tf.Tensor4D;
      });
      const out = await current.data();
      return { width, height, data: Uint8Array.from(out) };
    } finally {
      current.dispose();
    }
  }

  return {
    engine: 'tfjs',
    backend,
    run,
    async dispose() {
      for (const net of nets.values()) (await net.catch(() => new Map<string, tf.Tensor>())).forEach((t) => t.dispose());
      nets.clear();
    },
  };
}
