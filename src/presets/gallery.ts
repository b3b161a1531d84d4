/**
 * The preset gallery: one PNG contact sheet with every preset's painting (or, for network-only
 * presets, a sample of the network's output), its name, the id to type, its licence and whether it
 * renders instantly. Drawn with sharp: tiles composited onto a canvas, all text in one SVG overlay
 * (rendered by librsvg, so the machine needs a sans-serif font such as DejaVu).
 */
import { readFile } from 'node:fs/promises';
import sharp, { type OverlayOptions } from 'sharp';
import { decodeImage, resizeCover, type RgbImage } from '../images/index.ts';
import { WORDING } from '../requests/wording.ts';
import type { Preset } from './types.ts';

export interface GalleryTileSource {
  preset: Preset;
  /** Absolute path of the picture to show, if any. */
  imagePath?: string;
  /** True when the picture is the fast network's output rather than the painting itself. */
  isNetworkSample: boolean;
}

export const GALLERY_LAYOUT = {
  columns: 4,
  tileWidth: 256,
  tileHeight: 192,
  captionHeight: 84,
  gap: 16,
  headerHeight: 64,
  background: '#f4f1ea',
} as const;

const LICENCE_STYLE: Record<Preset['licence'], { label: string; colour: string }> = {
  'public-domain': { label: 'Public domain', colour: '#1b7a3a' },
  'public-domain-us': { label: 'PD in the US only', colour: '#a66300' },
  copyrighted: { label: '© copyrighted', colour: '#b3261e' },
};

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Cut text to roughly fit `px` at `fontSize` (DejaVu Sans averages ~0.58 em per character). */
function fit(text: string, px: number, fontSize: number): string {
  const max = Math.floor(px / (fontSize * 0.58));
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

async function loadTile(source: GalleryTileSource, width: number, height: number): Promise<RgbImage | undefined> {
  if (!source.imagePath) return undefined;
  try {
    // Style images are our own files, but they go through the same decoder as everything else.
    return await resizeCover(await decodeImage(await readFile(source.imagePath)), width, height);
  } catch {
    return undefined; // not installed yet (`easel assets`) or unreadable: drawn as a placeholder
  }
}

/** Render the contact sheet as PNG bytes. */
export async function renderGallery(sources: GalleryTileSource[], title = 'Easel — preset styles'): Promise<Buffer> {
  const L = GALLERY_LAYOUT;
  const rows = Math.max(1, Math.ceil(sources.length / L.columns));
  const width = L.gap + L.columns * (L.tileWidth + L.gap);
  const height = L.headerHeight + rows * (L.tileHeight + L.captionHeight + L.gap) + L.gap;
  const tiles = await Promise.all(sources.map((s) => loadTile(s, L.tileWidth, L.tileHeight)));

  const composites: OverlayOptions[] = [];
  const svg: string[] = [
    `<text x="${L.gap}" y="36" font-family="DejaVu Sans, sans-serif" font-size="24" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
    `<text x="${L.gap}" y="56" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#555">${escapeXml(WORDING.galleryLegend)}</text>`,
  ];
  sources.forEach((source, i) => {
    const { preset } = source;
    const x = L.gap + (i % L.columns) * (L.tileWidth + L.gap);
    const y = L.headerHeight + Math.floor(i / L.columns) * (L.tileHeight + L.captionHeight + L.gap);
    const tile = tiles[i];
    if (tile) {
      composites.push({ input: Buffer.from(tile.data), raw: { width: tile.width, height: tile.height, channels: 3 }, left: x, top: y });
    } else {
      const why = source.imagePath ? 'image not installed (easel assets)' : 'no painting file';
      svg.push(`<rect x="${x}" y="${y}" width="${L.tileWidth}" height="${L.tileHeight}" fill="#d9d4c7"/>`);
      svg.push(`<text x="${x + L.tileWidth / 2}" y="${y + L.tileHeight / 2}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#666">${escapeXml(why)}</text>`);
    }
    if (tile && source.isNetworkSample) {
      svg.push(`<rect x="${x}" y="${y + L.tileHeight - 20}" width="${L.tileWidth}" height="20" fill="#000" fill-opacity="0.55"/>`);
      svg.push(`<text x="${x + 6}" y="${y + L.tileHeight - 6}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#fff">network sample (no painting file)</text>`);
    }
    if (preset.fastNetwork) {
      svg.push(`<rect x="${x + L.tileWidth - 46}" y="${y + 6}" width="40" height="18" rx="4" fill="#1d4ed8"/>`);
      svg.push(`<text x="${x + L.tileWidth - 26}" y="${y + 19}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="11" font-weight="bold" fill="#fff">FAST</text>`);
    }
    const licence = LICENCE_STYLE[preset.licence];
    const ty = y + L.tileHeight;
    svg.push(`<text x="${x}" y="${ty + 18}" font-family="DejaVu Sans, sans-serif" font-size="15" font-weight="bold" fill="#222">${escapeXml(fit(preset.title, L.tileWidth, 15))}</text>`);
    svg.push(`<text x="${x}" y="${ty + 36}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#444">${escapeXml(fit(`${preset.artist}, ${preset.year}`, L.tileWidth, 13))}</text>`);
    svg.push(`<text x="${x}" y="${ty + 54}" font-family="DejaVu Sans, sans-serif" font-size="12" fill="${licence.colour}">${licence.label}</text>`);
    svg.push(`<text x="${x}" y="${ty + 72}" font-family="DejaVu Sans Mono, monospace" font-size="12" fill="#222">${escapeXml(fit(preset.id, L.tileWidth, 12))}</text>`);
  });
  const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svg.join('')}</svg>`;
  composites.push({ input: Buffer.from(overlay), left: 0, top: 0 });

  return sharp({ create: { width, height, channels: 3, background: L.background } })
    .composite(composites)
    .png({ compressionLevel: 9 })
    .toBuffer();
}
