/** The quality benchmark's contact sheet: one row per pair (photo | baseline | each tier), captioned, as PNG. */
import sharp, { type OverlayOptions } from 'sharp';
import type { RgbImage } from '../src/images/types.ts';

export interface SheetRow {
  label: string;
  cells: Array<{ caption: string; image: RgbImage }>;
}

const CAPTION_PX = 18;
const GAP = 4;

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function caption(text: string, width: number): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${CAPTION_PX}"><rect width="100%" height="100%" fill="white"/>` +
      `<text x="3" y="${CAPTION_PX - 5}" font-family="sans-serif" font-size="12" fill="black">${escapeXml(text)}</text></svg>`,
  );
}

/** Cells are shown at `cellPx` on their longest side, one row per pair, the row's label in the first caption. */
export async function contactSheet(rows: SheetRow[], cellPx = 256): Promise<Buffer> {
  const columns = Math.max(...rows.map((r) => r.cells.length));
  const rowHeight = cellPx + CAPTION_PX + GAP;
  const width = columns * (cellPx + GAP) + GAP;
  const height = rows.length * rowHeight + GAP;
  const layers: OverlayOptions[] = [];
  for (const [r, row] of rows.entries()) {
    for (const [c, cell] of row.cells.entries()) {
      const left = GAP + c * (cellPx + GAP);
      const top = GAP + r * rowHeight;
      const tile = await sharp(Buffer.from(cell.image.data), { raw: { width: cell.image.width, height: cell.image.height, channels: 3 } })
        .resize(cellPx, cellPx, { fit: 'inside' })
        .png()
        .toBuffer();
      layers.push({ input: caption(c === 0 ? `${row.label}: ${cell.caption}` : cell.caption, cellPx), left, top });
      layers.push({ input: tile, left, top: top + CAPTION_PX });
    }
  }
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(layers).png().toBuffer();
}
