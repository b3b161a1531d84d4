/**
 * A small builder for ONNX models in TypeScript, on the protobuf definitions of `onnx-proto`.
 * Both ONNX graphs (VGG19 loss + gradient, fast style networks) are written with it: each method
 * adds one node and returns the name of its output, so graph code reads like the maths it computes.
 *
 * Shapes are static (one model per image size), so shape-dependent decisions (odd-size padding,
 * crops) are made here in TypeScript rather than with shape ops inside the graph.
 */
import protoPkg from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

// onnx-proto is CommonJS; its namespace object is reachable only through the default export under ESM.
const { onnx } = protoPkg;

/** Opset 17: the newest whose Reduce* ops still take `axes` as an attribute; ORT 1.x supports it fully. */
export const OPSET = 17;

/** A tensor dimension: a number, or a name for a size known only at run time. */
export type Dim = number | string;

/** Integers and integer lists are INT/INTS; floats are passed as `{ float }`. */
export type AttrValue = number | string | number[] | { float: number };

/** Largest magnitude used for "to the end" in Slice (clamped by ONNX to the dimension). */
const SLICE_END = 2 ** 31 - 1;

export class GraphBuilder {
  private readonly nodes: Onnx.INodeProto[] = [];
  private readonly initializers: Onnx.ITensorProto[] = [];
  private readonly inputs: Onnx.IValueInfoProto[] = [];
  private readonly outputs: Onnx.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

  /** A fresh tensor name, readable in profiles: `<hint>_<n>`. */
  fresh(hint: string): string {
    let name = `${hint}_${this.counter++}`;
    while (this.names.has(name)) name = `${hint}_${this.counter++}`;
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph ${this.graphName}: duplicate tensor name '${name}'`);
    this.names.add(name);
    return name;
  }

  /** A graph input; a string dimension is symbolic (any size at run time). */
  input(name: string, dims: Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), dims));
    return name;
  }

  /** Marks an existing tensor as a graph output (through an Identity so the output keeps its own name). */
  output(tensor: string, name: string, dims: Dim[]): string {
    this.node('Identity', [tensor], {}, this.claim(name));
    this.outputs.push(valueInfo(name, dims));
    return name;
  }

  /** A float32 initializer (weights). The bytes are referenced, not copied, until the model is encoded. */
  floatTensor(hint: string, data: Float32Array, dims: number[]): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${hint}: ${data.length} values for shape [${dims}]`);
    const name = this.fresh(hint);
    this.initializers.push({
      name,
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  scalar(value: number, hint = 'const'): string {
    return this.floatTensor(hint, Float32Array.of(value), []);
  }

  int64s(values: number[], hint = 'ints'): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], int64Data: values });
    return name;
  }

  /** Adds a node; returns its (first) output's name. */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    const out = outputName ?? this.fresh(op.toLowerCase());
    this.nodes.push({
      opType: op,
      name: `${op}:${out}`,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    });
    return out;
  }

  // ── Shorthands for the ops the graphs use ────────────────────────────────────────────────────
  add(a: string, b: string): string {
    return this.node('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.node('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.node('Mul', [a, b]);
  }
  transpose(x: string, perm: number[]): string {
    return this.node('Transpose', [x], { perm });
  }
  reshape(x: string, dims: number[]): string {
    return this.node('Reshape', [x, this.int64s(dims, 'shape')]);
  }
  /** Slice [start, end) on each axis; negative steps reverse (end -SLICE_END means "through index 0"). */
  slice(x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
    const inputs = [x, this.int64s(starts, 'starts'), this.int64s(ends, 'ends'), this.int64s(axes, 'axes')];
    if (steps) inputs.push(this.int64s(steps, 'steps'));
    return this.node('Slice', inputs);
  }
  /** Reverses the given axes (Slice with step −1). */
  reverse(x: string, axes: number[]): string {
    return this.slice(x, axes.map(() => -1), axes.map(() => -SLICE_END), axes, axes.map(() => -1));
  }
  /** Zero padding: `pads` = [begin of each axis…, end of each axis…]. */
  pad(x: string, pads: number[]): string {
    if (pads.every((p) => p === 0)) return x;
    return this.node('Pad', [x, this.int64s(pads, 'pads')], { mode: 'constant' });
  }
  /** Sum of squares over `axes` (dropped), for partial loss sums the caller finishes in float64. */
  sumSquares(x: string, axes: number[]): string {
    return this.node('ReduceSumSquare', [x], { axes, keepdims: 0 });
  }

  /** Serialises the model. Initializers are not graph inputs, so ORT treats them as constants and folds ops on them. */
  encode(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'easel',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  get nodeCount(): number {
    return this.nodes.length;
  }
}

export { SLICE_END };

function valueInfo(name: string, dims: Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, v: AttrValue): Onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: pass floats as { float }, got ${v}`);
    return { name, type: T.INT, i: v };
  }
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return { name, type: T.FLOAT, f: v.float };
}
