/**
 * Brush size, as users say it: how large the painting's strokes and textures come out. The style
 * image is scaled relative to the output by this factor (on top of the preset's own styleScale), so
 * the optimisation matches its features at that scale: smaller → finer strokes, larger → bolder.
 */
export const BRUSHES = ['fine', 'normal', 'bold'] as const;
export type Brush = (typeof BRUSHES)[number];
export const BRUSH_SCALE: Record<Brush, number> = { fine: 0.5, normal: 1, bold: 1.75 };

/** The styleScale a brush gives on a style whose own scale is `base` (kept within the engine's (0, 4]). */
export function brushStyleScale(brush: Brush, base = 1): number {
  return Math.min(4, Math.max(0.1, base * BRUSH_SCALE[brush]));
}
