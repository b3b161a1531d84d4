/**
 * Hard limits on what Easel will decode. Callers pass limits derived from `Config.limits`
 * (maxUploadBytes, maxInputPixels); these defaults are the same values, for library use and tests.
 */
import type { Config } from '../config.ts';

export interface ImageLimits {
  /** Largest encoded file accepted, bytes. */
  maxBytes: number;
  /** Largest width × height accepted (checked from the header, then enforced by sharp's limitInputPixels). */
  maxPixels: number;
  /** Longest side accepted, px. */
  maxDimension: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: 25 * 1024 * 1024,
  maxPixels: 50_000_000,
  // Above WebP's own ceiling (16383) and far beyond any phone camera; a longer side is a strip or a bomb.
  maxDimension: 16_384,
};

export function resolveLimits(limits: Partial<ImageLimits> = {}): ImageLimits {
  return {
    maxBytes: limits.maxBytes ?? DEFAULT_IMAGE_LIMITS.maxBytes,
    maxPixels: limits.maxPixels ?? DEFAULT_IMAGE_LIMITS.maxPixels,
    maxDimension: limits.maxDimension ?? DEFAULT_IMAGE_LIMITS.maxDimension,
  };
}

/** Human-readable byte size for user messages, e.g. "25 MB". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** The limits an operator configured (EASEL_MAX_UPLOAD_BYTES, EASEL_MAX_INPUT_PIXELS). */
export function imageLimitsFromConfig(config: Pick<Config, 'limits'>): ImageLimits {
  return { ...DEFAULT_IMAGE_LIMITS, maxBytes: config.limits.maxUploadBytes, maxPixels: config.limits.maxInputPixels };
}
