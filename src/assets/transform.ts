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
        doc = parseJsonKeepingFloats(bytes.toString('utf8'));
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
 * A number written with a fraction or an exponent in the source ("1.0", "1e-05"): Python reads it
 * as a float and writes it back as one ("1.0"), where JavaScript's JSON.parse would give 1.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
// A JSON string: no raw control characters (U+0000–U+001F), escapes as JSON allows.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** JSON.parse, except that numbers written as floats become PyFloat (so they are written back as floats). */
export function parseJsonKeepingFloats(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') return i++, obj;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[i++] !== ':') fail('expected ":"');
        obj[key] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, obj;
        else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') return i++, arr;
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, arr;
        else fail('expected "," or "]"');
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      if (text.startsWith(word, i)) return (i += word.length), word === 'NaN' || word.endsWith('Infinity') ? new PyFloat(v as number) : v;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('unexpected character');
    i += m[0].length;
    return m[2] || m[3] ? new PyFloat(Number(m[0])) : Number(m[0]);
  };
  const string = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) return fail('bad string');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const result = value();
  ws();
  if (i !== text.length) fail('unexpected text after the document');
  return result;
}

/**
 * JSON as Python's `json.dumps(value)` writes it with its defaults: `", "` and `": "` separators,
 * keys in insertion order, non-ASCII characters escaped as \uXXXX, floats in their shortest
 * round-trip form with Python's style (1.0, 1e-05, 1.5e+16). Floats read from a document come as
 * PyFloat (see parseJsonKeepingFloats); a plain JavaScript number is an int when it is integral.
 */
export function pythonJson(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof PyFloat) return pythonFloat(value.value);
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isInteger(value) ? String(value) : pythonFloat(value);
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

/** Python's repr of a float: exponent notation below 1e-4 and from 1e16 (two exponent digits at least), else ".0" when integral. */
function pythonFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exponent] = n.toExponential().split('e');
    const e = Number(exponent);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = String(n);
  return /[.e]/.test(s) ? s : `${Object.is(n, -0) ? '-0' : s}.0`;
}

function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
