/**
 * VGG19's convolutional part, described once. Both engines derive their network from this list
 * (tfjs builds its forward pass from it, the ONNX builder its forward and backward graph), so the
 * architecture is never written twice.
 *
 * Keras names (block1_conv1 …) are the weight names in weights/vgg19/model.json; the neural-style
 * names (conv1_1, relu1_1, pool1 …) are what users and params.ts speak.
 */
export type VggLayer =
  | { kind: 'conv'; name: string; relu: string; keras: string; inChannels: number; outChannels: number }
  | { kind: 'pool'; name: string };

const BLOCKS: Array<{ convs: number; channels: number }> = [
  { convs: 2, channels: 64 },
  { convs: 2, channels: 128 },
  { convs: 4, channels: 256 },
  { convs: 4, channels: 512 },
  { convs: 4, channels: 512 },
];

function buildLayers(): VggLayer[] {
  const layers: VggLayer[] = [];
  let inChannels = 3;
  BLOCKS.forEach(({ convs, channels }, b) => {
    for (let i = 1; i <= convs; i++) {
      layers.push({ kind: 'conv', name: `conv${b + 1}_${i}`, relu: `relu${b + 1}_${i}`, keras: `block${b + 1}_conv${i}`, inChannels, outChannels: channels });
      inChannels = channels;
    }
    layers.push({ kind: 'pool', name: `pool${b + 1}` });
  });
  return layers;
}

/** All of VGG19's conv/pool layers in order. Each conv is followed by a ReLU (named `relu`). Pools are 2×2, stride 2. */
export const VGG19_LAYERS: readonly VggLayer[] = buildLayers();

/** ImageNet means subtracted after RGB→BGR (Keras "caffe" preprocessing), in B, G, R order. */
export const VGG_MEAN_BGR = [103.939, 116.779, 123.68] as const;

/** Index in VGG19_LAYERS of the layer that produces `name` (a relu*, conv* or pool* name). */
export function layerIndex(name: string): number {
  const i = VGG19_LAYERS.findIndex((l) => l.name === name || (l.kind === 'conv' && l.relu === name));
  if (i < 0) throw new Error(`unknown VGG19 layer '${name}'`);
  return i;
}

/** The prefix of the network needed to compute all of `names` (only those layers are run). */
export function layersUpTo(names: readonly string[]): VggLayer[] {
  const last = Math.max(...names.map(layerIndex));
  return VGG19_LAYERS.slice(0, last + 1);
}

/** Channels of the activation named `name`. */
export function channelsOf(name: string): number {
  const idx = layerIndex(name);
  for (let i = idx; i >= 0; i--) {
    const l = VGG19_LAYERS[i];
    if (l.kind === 'conv') return l.outChannels;
  }
  return 3;
}

/** How many 2×2 pools lie before the activation named `name` (its spatial size is the input's halved that often). */
export function poolsBefore(name: string): number {
  const idx = layerIndex(name);
  return VGG19_LAYERS.slice(0, idx + 1).filter((l, i) => l.kind === 'pool' && (i < idx || l.name === name)).length;
}
