/**
 * Which image format a file really is, from its first bytes (magic numbers) — never from its name or
 * the MIME type a client claims. Only the formats Easel accepts are recognised; everything else
 * (SVG, PDF, HTML, text, HEIC, …) is `undefined` and refused before sharp sees it, so sharp's own
 * SVG/PDF loaders are never reachable from user input.
 */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const;
export type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

const ascii = (bytes: Uint8Array, start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));

/** ISO-BMFF brands that mean AVIF (the HEIF container also carries HEIC, which is not accepted). */
const AVIF_BRANDS = new Set(['avif', 'avis']);

function isAvif(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return false;
  const boxSize = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const end = Math.min(bytes.length, Math.max(16, boxSize));
  if (AVIF_BRANDS.has(ascii(bytes, 8, 12))) return true;
  // Compatible brands follow the major brand and minor version.
  for (let i = 16; i + 4 <= end; i += 4) if (AVIF_BRANDS.has(ascii(bytes, i, i + 4))) return true;
  return false;
}

export function sniffFormat(bytes: Uint8Array): AcceptedFormat | undefined {
  if (bytes.length < 12) return undefined;
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  const tiff4 = ascii(bytes, 0, 4);
  if (tiff4 === 'II*\x00' || tiff4 === 'MM\x00*') return 'tiff';
  if (isAvif(bytes)) return 'avif';
  return undefined;
}
