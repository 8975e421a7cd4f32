import type { onnx as O } from 'onnx-proto';
import onnxProto from 'onnx-proto';

/** The generated ONNX protobuf namespace (onnx-proto ships it as CommonJS). */
export const onnx = onnxProto.onnx;
/** ONNX tensor element types used here. */
export const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** Attribute constructors (ONNX attributes are typed; JS numbers are not). */
export const A = {
  int: (name: string, i: number): O.IAttributeProto => ({ name, type: AT.INT, i }),
  ints: (name: string, ints: number[]): O.IAttributeProto => ({ name, type: AT.INTS, ints }),
  float: (name: string, f: number): O.IAttributeProto => ({ name, type: AT.FLOAT, f }),
  str: (name: string, s: string): O.IAttributeProto => ({ name, type: AT.STRING, s: Buffer.from(s) }),
};

/** A graph input or output: name, element type, dims (-1 = symbolic). */
export interface ValueInfo {
  name: string;
  elemType: number;
  /** undefined = shape unknown (not even the rank). */
  dims?: number[];
}

function valueInfo(v: ValueInfo): O.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType,
        shape: v.dims && {
          dim: v.dims.map((d, i) => (d >= 0 ? { dimValue: d } : { dimParam: i === 0 ? 'batch' : `d${i}` })),
        },
      },
    },
  };
}

/** Collects nodes and initializers in insertion order, so the same calls always encode to the same bytes. */
export class OnnxGraphBuilder {
  readonly nodes: O.INodeProto[] = [];
  readonly initializers: O.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** A tensor name not used before, derived from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds an initializer from raw little-endian bytes; returns its name. */
  initializer(base: string, dataType: number, dims: number[], raw: Uint8Array): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dataType, dims, rawData: raw });
    return name;
  }

  /** Adds a float32 initializer. */
  f32(base: string, dims: number[], data: Float32Array | number[]): string {
    const a = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.initializer(base, DT.FLOAT, dims, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }

  /** Adds an int64 initializer (bigint for values beyond 2^53, e.g. INT64_MAX slice ends). */
  i64(base: string, dims: number[], data: (number | bigint)[]): string {
    const a = BigInt64Array.from(data.map((v) => BigInt(v)));
    return this.initializer(base, DT.INT64, dims, new Uint8Array(a.buffer));
  }

  /** Adds an int32 initializer. */
  i32(base: string, dims: number[], data: Int32Array | number[]): string {
    const a = data instanceof Int32Array ? data : Int32Array.from(data);
    return this.initializer(base, DT.INT32, dims, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }

  /** Adds a node; `outputs` are used verbatim (call fresh() for temporaries). Returns the first output. */
  node(opType: string, inputs: string[], outputs: string[], attribute: O.IAttributeProto[] = []): string {
    for (const o of outputs) this.used.add(o);
    this.nodes.push({ opType, input: inputs, output: outputs, name: outputs[0], attribute });
    return outputs[0]!;
  }

  /** Adds a node with one fresh output named after `base`. */
  op(opType: string, inputs: string[], base: string, attribute: O.IAttributeProto[] = []): string {
    return this.node(opType, inputs, [this.fresh(base)], attribute);
  }

  /** Encodes the ModelProto. */
  encode(opts: {
    name: string;
    inputs: ValueInfo[];
    outputs: ValueInfo[];
    opset: number;
    metadata?: Record<string, string>;
  }): Uint8Array {
    const model: O.IModelProto = {
      irVersion: 8,
      producerName: 'mapmint-tfjs2onnx',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: opts.opset }],
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: opts.name,
        node: this.nodes,
        initializer: this.initializers,
        input: opts.inputs.map(valueInfo),
        output: opts.outputs.map(valueInfo),
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
