/**
 * The image module: every byte that enters or leaves Easel goes through here (sharp).
 *   decode  — untrusted bytes → RgbImage, with hard limits; typed ImageError otherwise
 *   probe   — header-only check (format, size) without decoding pixels
 *   encode  — RgbImage → JPEG/PNG under a byte limit; small previews
 *   resize  — RgbImage → RgbImage
 *   animation, animated-encode — animated GIF/WebP: frame-limited probe and decode; encode under a byte limit
 */
export { ImageError, type ImageErrorCode, type RgbImage } from './types.ts';
export { DEFAULT_IMAGE_LIMITS, imageLimitsFromConfig, resolveLimits, type ImageLimits } from './limits.ts';
export { ACCEPTED_FORMATS, sniffFormat, type AcceptedFormat } from './sniff.ts';
export { probeImage, type ImageProbe } from './probe.ts';
export { decodeImage } from './decode.ts';
export { encodeImage, encodeImageDetailed, encodePreview, type EncodeFormat, type EncodeOptions, type EncodedImage } from './encode.ts';
export { fitLongest, resizeCover, resizeRgb, resizeToLongest } from './resize.ts';
export { decodeAnimation, fitPixels, isAnimation, keepFrames, meanAbsoluteDifference, meanFrameChange, probeAnimation, tooManyFrames, type AnimatedImage, type AnimationLimits } from './animation.ts';
export { encodeAnimation, type AnimationEncodeOptions, type AnimationFormat, type EncodedAnimation } from './animated-encode.ts';
