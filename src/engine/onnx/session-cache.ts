/**
 * ORT sessions, one per model key (image size, pooling, layers), created once and reused: creating a
 * session costs ~0.5 s (graph optimisation, kernel folding, pre-packing), an evaluation at 256 px
 * about as much. Sessions in use are reference-counted; idle ones beyond `maxIdle` are released,
 * least recently used first, so a long-running worker that sees many sizes keeps its memory bounded.
 * A session acquired with `keepIdle: false` (a large one) is released as soon as it is idle, and
 * releaseIdle() releases every idle session at once (before a large one is made).
 */
import type { InferenceSession } from 'onnxruntime-node';

interface Entry {
  session: Promise<InferenceSession>;
  refs: number;
  lastUsed: number;
  /** False: released as soon as no lease holds it. */
  keepIdle: boolean;
}

export interface AcquireOptions {
  /** Keep the session once idle, for the next lease (default true). */
  keepIdle?: boolean;
}

export interface Lease {
  session: InferenceSession;
  /** Gives the session back to the cache (idempotent). */
  release(): void;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private tick = 0;
  private disposed = false;

  constructor(
    private readonly create: (model: Uint8Array) => Promise<InferenceSession>,
    private readonly maxIdle: number,
  ) {}

  /** The session for `key`, building its model with `build` the first time. */
  async acquire(key: string, build: () => Uint8Array | Promise<Uint8Array>, options: AcquireOptions = {}): Promise<Lease> {
    if (this.disposed) throw new Error('ONNX session cache is disposed');
    let entry = this.entries.get(key);
    if (!entry) {
      const session = Promise.resolve().then(build).then((model) => this.create(model));
      entry = { session, refs: 0, lastUsed: 0, keepIdle: true };
      this.entries.set(key, entry);
      session.catch(() => this.entries.delete(key));
    }
    entry.keepIdle = options.keepIdle ?? true;
    entry.refs++;
    entry.lastUsed = ++this.tick;
    const held = entry;
    let session: InferenceSession;
    try {
      session = await held.session;
    } catch (err) {
      held.refs--;
      throw err;
    }
    let released = false;
    return {
      session,
      release: () => {
        if (released) return;
        released = true;
        held.refs--;
        this.evictIdle();
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private evictIdle(): void {
    const idle = [...this.entries].filter(([, e]) => e.refs === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    const kept = idle.filter(([, e]) => e.keepIdle);
    const evicted = [...idle.filter(([, e]) => !e.keepIdle), ...kept.slice(0, Math.max(0, kept.length - this.maxIdle))];
    for (const [key, entry] of evicted) void this.releaseEntry(key, entry);
  }

  private releaseEntry(key: string, entry: Entry): Promise<void> {
    this.entries.delete(key);
    return entry.session.then((s) => s.release()).catch(() => undefined);
  }

  /** Releases every idle session now (those in use stay). */
  async releaseIdle(): Promise<void> {
    await Promise.all([...this.entries].filter(([, e]) => e.refs === 0).map(([key, entry]) => this.releaseEntry(key, entry)));
  }

  /** Releases every session (in-flight leases must not be used afterwards). */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.session.then((s) => s.release()).catch(() => undefined)));
  }
}
