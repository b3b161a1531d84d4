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
  const tiles = await Promise.all(
    rows.map((row) =>
      Promise.all(
        row.cells.map(async (cell) => {
          const { data, info } = await sharp(Buffer.from(cell.image.data), { raw: { width: cell.image.width, height: cell.image.height, channels: 3 } })
            .resize(cellPx, cellPx, { fit: 'inside' })
            .png()
            .toBuffer({ resolveWithObject: true });
          return { png: data, height: info.height };
        }),
      ),
    ),
  );
  const columns = Math.max(...rows.map((r) => r.cells.length));
  // each row as tall as its tallest tile, so landscape rows leave no empty band
  const rowHeights = tiles.map((row) => Math.max(...row.map((t) => t.height)) + CAPTION_PX + GAP);
  const width = columns * (cellPx + GAP) + GAP;
  const height = rowHeights.reduce((a, b) => a + b, 0) + GAP;
  const layers: OverlayOptions[] = [];
  let top = GAP;
  for (const [r, row] of rows.entries()) {
    for (const [c, cell] of row.cells.entries()) {
      const left = GAP + c * (cellPx + GAP);
      layers.push({ input: caption(c === 0 ? `${row.label}: ${cell.caption}` : cell.caption, cellPx), left, top });
      layers.push({ input: tiles[r][c].png, left, top: top + CAPTION_PX });
    }
    top += rowHeights[r];
  }
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(layers).png().toBuffer();
}
