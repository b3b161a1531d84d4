/**
 * Resizing raw RGB pixels with sharp (Lanczos for downscaling, as sharp defaults).
 */
import sharp from 'sharp';
import type { RgbImage } from './types.ts';

/** Width and height with the longest side equal to `longest`, aspect kept, each at least 1. */
export function fitLongest(width: number, height: number, longest: number): { width: number; height: number } {
  const scale = longest / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Resize an RGB image to exactly width × height. */
export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img;
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Resize so the longest side is `longest` (aspect kept). */
export async function resizeToLongest(img: RgbImage, longest: number): Promise<RgbImage> {
  const { width, height } = fitLongest(img.width, img.height, longest);
  return resizeRgb(img, width, height);
}

/** Resize to exactly width × height, cropping (centred) what does not fit the aspect: thumbnails, tiles. */
export async function resizeCover(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'cover', position: 'centre' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
