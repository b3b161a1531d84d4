/**
 * Decoding untrusted images in a child process with a hard memory limit and a deadline, so that a
 * file built to be expensive (a decoder's worst case within the pixel limit, or a decoder bug)
 * costs at most that much memory and time and never the worker itself.
 *
 *   memory  the child runs under `ulimit -d` (RLIMIT_DATA: every private writable mapping on Linux,
 *           malloc's heap and mmaps alike). An allocation past it fails: libvips reports "out of
 *           memory" and the decode is refused; if something else dies of it, the child exits and
 *           the decode is refused the same way. (macOS ignores the limit; the deadline still holds.)
 *   time    a decode that has not answered after `timeoutMs` is killed (SIGKILL: libvips' own
 *           timeout cannot interrupt a header read or a single long scanline).
 *
 * The probe (a header read: libvips parses the container, libpng inflates metadata) runs there too,
 * so nothing of a user's file is parsed by libvips in the worker's own process.
 *
 * One child serves one decode at a time and is kept for the next (starting one costs a Node process
 * and sharp); a killed or crashed child is replaced on the next decode. Pixels come back over IPC
 * (V8 serialization), at most the decode bounds the caller asked for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnimatedImage, AnimationLimits } from './animation.ts';
import type { DecodeReply, DecodeRequest } from './decode-child.ts';
import { decodeLimit } from './errors.ts';
import type { ImageLimits } from './limits.ts';
import type { ImageProbe } from './probe.ts';
import { ImageError, type ImageErrorCode, type RgbImage } from './types.ts';

/** What the worker's renderer needs of a decoder: the same two calls as decode.ts / animation.ts. */
export interface ImageDecoder {
  probe(bytes: Uint8Array, limits: Partial<ImageLimits>): Promise<ImageProbe>;
  image(bytes: Uint8Array, limits: Partial<ImageLimits>, opts?: { maxSide?: number }): Promise<RgbImage>;
  animation(bytes: Uint8Array, limits: Partial<AnimationLimits> & { maxFrames: number; maxFramePixels?: number }): Promise<AnimatedImage>;
  close?(): Promise<void>;
}

export interface SandboxOptions {
  /** The child's data limit (RLIMIT_DATA), bytes; Node and sharp take about 140 MB of it before any image. */
  memoryBytes: number;
  /** A decode (header included) not answered by then is killed. */
  timeoutMs: number;
  /** The child's entry module (tests give one that misbehaves); default decode-child.ts. */
  entry?: URL;
  /** Told when a child is killed or dies (for the worker's log). */
  onIncident?: (what: { kind: 'timeout' | 'exit'; detail: string; peakRssBytes?: number }) => void;
}

const require = createRequire(import.meta.url);
// tsx's loader (an absolute URL: the worker's working directory may be anywhere), as the render
// thread and the CLI run the project's TypeScript.
const TSX_IMPORT = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/loader.mjs')).href;
const DEFAULT_ENTRY = new URL('./decode-child.ts', import.meta.url);

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Pending {
  /** The child doing it: another child's exit is none of this decode's business. */
  child: ChildProcess;
  resolve(reply: DecodeReply): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class DecodeSandbox implements ImageDecoder {
  private child?: ChildProcess;
  private ready?: Promise<ChildProcess>;
  private pending?: Pending & { id: number };
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private peak = 0;
  private closed = false;

  constructor(private readonly opts: SandboxOptions) {}

  /** Start the child now (the first decode would otherwise wait for it). */
  async start(): Promise<void> {
    await this.spawned();
  }

  /** The highest resident set any of this sandbox's children reached, as far as it was seen (bytes). */
  peakRssBytes(): number {
    this.sample();
    return this.peak;
  }

  probe(bytes: Uint8Array, limits: Partial<ImageLimits>): Promise<ImageProbe> {
    return this.run({ op: 'probe', bytes, limits }).then((r) => r.probe!);
  }

  image(bytes: Uint8Array, limits: Partial<ImageLimits>, opts: { maxSide?: number } = {}): Promise<RgbImage> {
    return this.run({ op: 'image', bytes, limits, maxSide: opts.maxSide }).then((r) => ({ width: r.width, height: r.height, data: r.frames[0] }));
  }

  animation(bytes: Uint8Array, limits: Partial<AnimationLimits> & { maxFrames: number; maxFramePixels?: number }): Promise<AnimatedImage> {
    return this.run({ op: 'animation', bytes, limits }).then((r) => ({
      width: r.width,
      height: r.height,
      frames: r.frames.map((data) => ({ width: r.width, height: r.height, data })),
      delays: r.delays ?? r.frames.map(() => 100),
      loop: r.loop ?? 0,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect?.();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  }

  /** One decode at a time: the child holds one image's memory, never two. */
  private run(req: DistributiveOmit<DecodeRequest, 'id'>): Promise<Extract<DecodeReply, { ok: true }>> {
    const next = this.queue.then(() => this.decodeOnce(req));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async decodeOnce(req: DistributiveOmit<DecodeRequest, 'id'>): Promise<Extract<DecodeReply, { ok: true }>> {
    if (this.closed) throw new Error('decode sandbox closed');
    const child = await this.spawned();
    const id = ++this.seq;
    const reply = await new Promise<DecodeReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.sample();
        this.opts.onIncident?.({ kind: 'timeout', detail: `decode not done after ${this.opts.timeoutMs} ms`, peakRssBytes: this.peak });
        this.discard(child);
        reject(decodeLimit(`decode took longer than ${this.opts.timeoutMs} ms (killed)`));
      }, this.opts.timeoutMs);
      this.pending = { id, child, resolve, reject, timer };
      // A child that died meanwhile: its 'exit' rejects this decode.
      child.send({ ...req, id } as DecodeRequest, () => undefined);
    });
    this.sample();
    if (reply.ok) return reply;
    throw new ImageError(reply.code as ImageErrorCode, reply.userMessage, reply.message);
  }

  private spawned(): Promise<ChildProcess> {
    if (this.ready) return this.ready;
    const limitKb = Math.max(1, Math.floor(this.opts.memoryBytes / 1024));
    const entry = fileURLToPath(this.opts.entry ?? DEFAULT_ENTRY);
    // `ulimit -d` then exec: the limit applies to Node itself, before anything is allocated.
    const child = spawn('/bin/sh', ['-c', `ulimit -d ${limitKb} && exec "$0" "$@"`, process.execPath, '--import', TSX_IMPORT, entry], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    this.ready = new Promise<ChildProcess>((resolve, reject) => {
      const onMessage = (m: DecodeReply | { ready: true }) => {
        if ('ready' in m) return resolve(child);
        const p = this.pending;
        if (!p || p.child !== child || p.id !== m.id) return;
        clearTimeout(p.timer);
        this.pending = undefined;
        p.resolve(m);
      };
      child.on('message', onMessage);
      child.once('error', (err) => {
        this.discard(child);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        const detail = `decoder exited (${signal ?? `code ${code}`})`;
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        reject(new Error(`${detail} before it was ready`));
        // A decode in flight dies with it (one that timed out was answered already).
        const p = this.pending;
        if (p?.child === child) {
          clearTimeout(p.timer);
          this.pending = undefined;
          this.opts.onIncident?.({ kind: 'exit', detail, peakRssBytes: this.peak });
          p.reject(decodeLimit(`${detail} while decoding: over its memory limit?`));
        }
      });
    });
    return this.ready;
  }

  /** Kill a child and forget it (the next decode starts a fresh one). */
  private discard(child: ChildProcess): void {
    if (this.child === child) {
      this.child = undefined;
      this.ready = undefined;
    }
    child.kill('SIGKILL');
  }

  /** The child's high-water resident set so far (Linux: VmHWM), folded into the peak. */
  private sample(): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) this.peak = Math.max(this.peak, Number(hwm[1]) * 1024);
    } catch {
      // not Linux, or already gone
    }
  }
}
