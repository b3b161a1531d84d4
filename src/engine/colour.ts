/**
 * Colour preservation (Gatys et al. 2016, "Preserving colour in neural artistic style transfer",
 * luminance-only transfer): the optimisation runs on luminance images (Y in R, G and B), the style's
 * luminance is matched to the photo's mean and spread first, and the result's luminance is put
 * back together with the photo's chroma. YIQ (NTSC) separates them linearly.
 */
import type { FloatImage } from './pixels.ts';

// YIQ from RGB (FCC NTSC), and its inverse.
const Y_ = [0.299, 0.587, 0.114];
const I_ = [0.5959, -0.2746, -0.3213];
const Q_ = [0.2115, -0.5227, 0.3112];
const INV = [
  [1, 0.956, 0.619],
  [1, -0.272, -0.647],
  [1, -1.106, 1.703],
];

export function luminance(r: number, g: number, b: number): number {
  return Y_[0] * r + Y_[1] * g + Y_[2] * b;
}

/** Per-pixel [I, Q] chroma of an RGB image, for tests and recombination. */
export function chroma(img: FloatImage): Float32Array {
  const out = new Float32Array(img.width * img.height * 2);
  for (let p = 0, i = 0; i < img.data.length; i += 3, p += 2) {
    const r = img.data[i], g = img.data[i + 1], b = img.data[i + 2];
    out[p] = I_[0] * r + I_[1] * g + I_[2] * b;
    out[p + 1] = Q_[0] * r + Q_[1] * g + Q_[2] * b;
  }
  return out;
}

/** The image's luminance in all three channels. */
export function greyOf(img: FloatImage): FloatImage {
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i += 3) {
    const y = luminance(img.data[i], img.data[i + 1], img.data[i + 2]);
    data[i] = data[i + 1] = data[i + 2] = y;
  }
  return { width: img.width, height: img.height, data };
}

function meanStd(img: FloatImage): { mean: number; std: number } {
  let s = 0, s2 = 0;
  const n = img.data.length / 3;
  for (let i = 0; i < img.data.length; i += 3) {
    const y = luminance(img.data[i], img.data[i + 1], img.data[i + 2]);
    s += y;
    s2 += y * y;
  }
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

/** The style's luminance (grey), shifted and scaled to the photo's luminance mean and spread. */
export function matchedGrey(style: FloatImage, photo: FloatImage): FloatImage {
  const s = meanStd(style);
  const p = meanStd(photo);
  const k = s.std > 1e-6 ? p.std / s.std : 1;
  const grey = greyOf(style);
  for (let i = 0; i < grey.data.length; i++) grey.data[i] = Math.min(255, Math.max(0, (grey.data[i] - s.mean) * k + p.mean));
  return grey;
}

/** Luminance of `lum` with the chroma of `photo` (same size), clamped to 0–255. */
export function withChromaOf(lum: FloatImage, photo: FloatImage): FloatImage {
  if (lum.width !== photo.width || lum.height !== photo.height) throw new Error('withChromaOf: images differ in size');
  const iq = chroma(photo);
  const data = new Float32Array(lum.data.length);
  for (let p = 0, i = 0; i < data.length; i += 3, p += 2) {
    const y = luminance(lum.data[i], lum.data[i + 1], lum.data[i + 2]);
    for (let c = 0; c < 3; c++) data[i + c] = Math.min(255, Math.max(0, INV[c][0] * y + INV[c][1] * iq[p] + INV[c][2] * iq[p + 1]));
  }
  return { width: lum.width, height: lum.height, data };
}
