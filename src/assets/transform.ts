/**
 * Turns a published file into the installed one, as the manifest's `transformation` says. Pure
 * functions over bytes: the installer checks the result's size and sha256 afterwards.
 */
import type { JsonEdit, Transformation } from './manifest.ts';

export class TransformationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformationError';
  }
}

export function applyTransformation(bytes: Buffer, t: Transformation | undefined): Buffer {
  if (!t) return bytes;
  switch (t.take) {
    case 'prefix':
      if (bytes.length < t.bytes) throw new TransformationError(`the published file has ${bytes.length} bytes, fewer than the ${t.bytes} to take`);
      return bytes.subarray(0, t.bytes);
    case 'json-edit': {
      let doc: unknown;
      try {
        doc = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        throw new TransformationError(`the published file is not JSON (${(e as Error).message})`);
      }
      for (const edit of t.edits) applyEdit(doc, edit);
      return Buffer.from(pythonJson(doc), 'utf8');
    }
  }
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyEdit(doc: unknown, edit: JsonEdit): void {
  const segments = pointerSegments(edit.path);
  const last = segments.pop()!;
  let parent: unknown = doc;
  for (const s of segments) {
    parent = child(parent, s, edit.path);
  }
  if (edit.op === 'set') {
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new TransformationError(`${edit.path}: no such element`);
      parent[i] = edit.value;
    } else if (parent && typeof parent === 'object') {
      if (!(last in parent)) throw new TransformationError(`${edit.path}: no such member`);
      (parent as Record<string, unknown>)[last] = edit.value;
    } else throw new TransformationError(`${edit.path}: not inside an object or array`);
    return;
  }
  const target = child(parent, last, edit.path);
  if (!Array.isArray(target)) throw new TransformationError(`${edit.path}: not an array`);
  if (target.length < edit.length) throw new TransformationError(`${edit.path}: has ${target.length} elements, fewer than ${edit.length}`);
  target.length = edit.length;
}

function child(node: unknown, segment: string, pointer: string): unknown {
  if (Array.isArray(node)) {
    const i = Number(segment);
    if (!Number.isInteger(i) || i < 0 || i >= node.length) throw new TransformationError(`${pointer}: no element ${segment}`);
    return node[i];
  }
  if (node && typeof node === 'object' && segment in node) return (node as Record<string, unknown>)[segment];
  throw new TransformationError(`${pointer}: no member ${segment}`);
}

/**
 * JSON as Python's `json.dumps(value)` writes it with its defaults: `", "` and `": "` separators,
 * keys in insertion order, non-ASCII characters escaped as \uXXXX, floats in their shortest
 * round-trip form with Python's exponent style (1e-05, 1e+16). JavaScript cannot tell 1.0 from 1,
 * so a document whose floats have integral values would differ: the sha256 check catches that.
 */
export function pythonJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pythonNumber(value);
    case 'string':
      return pythonString(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
      return `{${Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${pythonString(k)}: ${pythonJson(v)}`)
        .join(', ')}}`;
    default:
      throw new TransformationError(`cannot write a ${typeof value} as JSON`);
  }
}

function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  // Python's repr switches to exponent notation below 1e-4 and from 1e16; JavaScript below 1e-6 and from 1e21.
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exponent] = n.toExponential().split('e');
    const e = Number(exponent);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}

function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
