/**
 * The decode sandbox's child process (sandbox.ts starts it under a memory limit): decodes one
 * untrusted image at a time with the same functions as everywhere else and sends the pixels back.
 * A decode that outgrows the limit fails in libvips ("out of memory") or takes the process down;
 * one that outlasts its time is killed by the parent. Either way only this process is lost.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodeAnimation, type AnimationLimits } from './animation.ts';
import { decodeImage } from './decode.ts';
import { asDecodeError } from './errors.ts';
import type { ImageLimits } from './limits.ts';
import { probeImage, type ImageProbe } from './probe.ts';

export type DecodeRequest =
  | { id: number; op: 'probe'; bytes: Uint8Array; limits: Partial<ImageLimits> }
  | { id: number; op: 'image'; bytes: Uint8Array; limits: Partial<ImageLimits>; maxSide?: number }
  | { id: number; op: 'animation'; bytes: Uint8Array; limits: Partial<AnimationLimits> & { maxFrames: number; maxFramePixels?: number } };

export type DecodeReply =
  | { id: number; ok: true; width: number; height: number; frames: Uint8Array[]; delays?: number[]; loop?: number; probe?: ImageProbe }
  | { id: number; ok: false; code: string; userMessage: string; message: string };

// Nothing is kept between decodes: memory goes back as soon as a reply is sent.
sharp.cache(false);

/** One request: the reply, never a throw. */
export async function decode(req: DecodeRequest): Promise<DecodeReply> {
  try {
    if (req.op === 'probe') {
      const probe = await probeImage(req.bytes, req.limits);
      return { id: req.id, ok: true, width: probe.width, height: probe.height, frames: [], probe };
    }
    if (req.op === 'image') {
      const img = await decodeImage(req.bytes, req.limits, { maxSide: req.maxSide });
      return { id: req.id, ok: true, width: img.width, height: img.height, frames: [img.data] };
    }
    const clip = await decodeAnimation(req.bytes, req.limits);
    return { id: req.id, ok: true, width: clip.width, height: clip.height, frames: clip.frames.map((f) => f.data), delays: clip.delays, loop: clip.loop };
  } catch (err) {
    const e = asDecodeError(err);
    return { id: req.id, ok: false, code: e.code, userMessage: e.userMessage, message: e.message };
  }
}

/** Answer the parent's requests with `handle` (tests wrap `decode` to misbehave). */
export function serveDecodes(handle: (req: DecodeRequest) => Promise<DecodeReply> = decode): void {
  process.on('message', (req: DecodeRequest) => {
    void handle(req).then((reply) => process.send?.(reply));
  });
  // The parent closing the channel is the signal to go.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

// Started as the sandbox's child (not imported by a test's own entry).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) serveDecodes();
