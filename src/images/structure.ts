/**
 * Cheap structural checks that run before libvips reads a header: the two ways a small file can
 * make a decoder work far beyond its pixel count without declaring more pixels.
 *
 *   PNG   zTXt, compressed iTXt and iCCP chunks are inflated by libpng while it reads the *header*
 *         (before any pixel, so neither limitInputPixels nor a libvips timeout applies). A few KB
 *         can inflate to hundreds of MB per chunk, per read. Here each is inflated with a cap on
 *         its output — together at most MAX_PNG_METADATA_BYTES — and a file over it is refused.
 *   JPEG  a progressive JPEG may carry any number of scans, and every scan makes the decoder visit
 *         every block of the image again (thousands of tiny scans: minutes of CPU for a few hundred
 *         KB). The scans are counted by walking the markers; more than MAX_JPEG_SCANS is refused.
 *
 * Both throw `ImageError('too-complex')`; anything they cannot parse is left to the decoder, which
 * refuses damaged files itself.
 */
import { inflateSync } from 'node:zlib';
import { WORDING } from '../requests/wording.ts';
import { ImageError } from './types.ts';
import type { AcceptedFormat } from './sniff.ts';

/** Inflated bytes of all of a PNG's compressed metadata together (text chunks, ICC profile). Real files: a few KB. */
export const MAX_PNG_METADATA_BYTES = 4 * 1024 * 1024;
/** Ancillary chunks of any kind; libpng keeps up to 1000 in memory. */
export const MAX_PNG_ANCILLARY_CHUNKS = 256;
/** Scans of a JPEG. Encoders write 1 (baseline) to about 10–20 (progressive scripts). */
export const MAX_JPEG_SCANS = 100;

export const tooComplex = (detail: string) => new ImageError('too-complex', WORDING.imageBuiltTooExpensive, detail);

/** Throws `ImageError('too-complex')` when the file's structure would make decoding far costlier than its pixels. */
export function checkStructure(bytes: Uint8Array, format: AcceptedFormat): void {
  if (format === 'png') checkPng(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  else if (format === 'jpeg') checkJpeg(bytes);
}

const COMPRESSED_METADATA = new Set(['zTXt', 'iTXt', 'iCCP']);

function checkPng(png: Buffer): void {
  let budget = MAX_PNG_METADATA_BYTES;
  let ancillary = 0;
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > png.length || type === 'IEND') return;
    // Lower-case first letter: ancillary.
    if ((png[at + 4] & 0x20) !== 0 && ++ancillary > MAX_PNG_ANCILLARY_CHUNKS) throw tooComplex(`PNG has more than ${MAX_PNG_ANCILLARY_CHUNKS} ancillary chunks`);
    if (COMPRESSED_METADATA.has(type)) {
      const stream = compressedPart(type, png.subarray(at + 8, at + 8 + length));
      if (stream) budget -= inflatedSize(stream, budget, type);
    }
    at = end;
  }
}

/** The zlib stream inside a zTXt, compressed iTXt or iCCP chunk's data; undefined when there is none. */
function compressedPart(type: string, data: Buffer): Buffer | undefined {
  const keywordEnd = data.indexOf(0);
  if (keywordEnd < 0) return undefined;
  if (type !== 'iTXt') return data.subarray(keywordEnd + 2); // keyword \0 method
  // iTXt: keyword \0 compressed-flag method language \0 translated-keyword \0 text
  if (data[keywordEnd + 1] !== 1) return undefined;
  const languageEnd = data.indexOf(0, keywordEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  return translatedEnd < 0 ? undefined : data.subarray(translatedEnd + 1);
}

/** How many bytes `stream` inflates to, stopping (and refusing) past `budget`. */
function inflatedSize(stream: Buffer, budget: number, type: string): number {
  try {
    return inflateSync(stream, { maxOutputLength: Math.max(1, budget) }).length;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooComplex(`PNG metadata (${type}) inflates past ${MAX_PNG_METADATA_BYTES} bytes in all`);
    }
    return 0; // damaged: libpng will say so (or skip the chunk), within the same bounds
  }
}

function checkJpeg(jpeg: Uint8Array): void {
  let scans = 0;
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) return; // lost sync: the decoder judges the rest
    const marker = jpeg[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) return;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = (jpeg[at + 2] << 8) | jpeg[at + 3];
    at += 2 + length;
    if (marker !== 0xda) continue;
    if (++scans > MAX_JPEG_SCANS) throw tooComplex(`JPEG has more than ${MAX_JPEG_SCANS} scans`);
    // Entropy-coded data: up to the next marker that is neither stuffing (FF00) nor a restart.
    for (;;) {
      const ff = jpeg.indexOf(0xff, at);
      if (ff < 0 || ff + 1 >= jpeg.length) return;
      const next = jpeg[ff + 1];
      if (next === 0 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
        at = ff + (next === 0xff ? 1 : 2);
        continue;
      }
      at = ff;
      break;
    }
  }
}
