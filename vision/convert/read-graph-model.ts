import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MapmintError } from '../../core/index.ts';

/** A TF attribute value as tfjs-converter serialises it (protobuf JSON). */
export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { i?: (string | number)[]; s?: string[]; f?: number[] };
  tensor?: unknown;
}

/** One node of the graph def. */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

/** A decoded constant (weights are dequantised to float32 as tfjs does). */
export interface TfConst {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** Tensor metadata from the model signature. */
export interface TfSignatureTensor {
  name: string;
  dtype: string;
  shape: number[];
}

/** A parsed tfjs graph model: nodes, constants by node name, signature. */
export interface TfGraphModel {
  nodes: TfNode[];
  consts: Map<string, TfConst>;
  inputs: TfSignatureTensor[];
  outputs: TfSignatureTensor[];
}

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

interface ModelJson {
  format?: string;
  modelTopology?: { node?: TfNode[] };
  weightsManifest?: { paths: string[]; weights: ManifestWeight[] }[];
  signature?: {
    inputs?: Record<string, { name: string; dtype: string; tensorShape?: TfAttr['shape'] }>;
    outputs?: Record<string, { name: string; dtype: string; tensorShape?: TfAttr['shape'] }>;
  };
}

/** IEEE 754 binary16 -> number (exact: every half is representable as a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint16: 2, uint8: 1 };

/** Decodes one manifest entry from `buf` at `offset`; returns the constant and the bytes it used. */
function decodeWeight(w: ManifestWeight, buf: Buffer, offset: number): { value: TfConst; bytes: number } {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const q = w.quantization;
  const stored = q ? q.dtype : w.dtype;
  const size = BYTES[stored];
  if (size === undefined) throw new MapmintError('invalid_input', 'tfjs_dtype', `weight ${w.name}: dtype ${stored}`);
  const bytes = n * size;
  const view = new DataView(buf.buffer, buf.byteOffset + offset, bytes);
  if (w.dtype === 'float32') {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (!q) data[i] = view.getFloat32(i * 4, true);
      else if (q.dtype === 'float16') data[i] = halfToFloat(view.getUint16(i * 2, true));
      // Affine uint8/uint16 quantisation: value = q * scale + min (tfjs-converter quantization.ts).
      else if (q.dtype === 'uint16') data[i] = view.getUint16(i * 2, true) * (q.scale ?? 1) + (q.min ?? 0);
      else data[i] = view.getUint8(i) * (q.scale ?? 1) + (q.min ?? 0);
    }
    return { value: { dtype: 'float32', shape: w.shape, data }, bytes };
  }
  if (w.dtype === 'int32' && !q) {
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getInt32(i * 4, true);
    return { value: { dtype: 'int32', shape: w.shape, data }, bytes };
  }
  if (w.dtype === 'bool' && !q) {
    return { value: { dtype: 'bool', shape: w.shape, data: new Uint8Array(buf.subarray(offset, offset + n)) }, bytes };
  }
  throw new MapmintError('invalid_input', 'tfjs_dtype', `weight ${w.name}: ${w.dtype} quantised as ${stored}`);
}

function dims(shape: TfAttr['shape']): number[] {
  return (shape?.dim ?? []).map((d) => Number(d.size ?? -1));
}

/** Reads `model.json` and its weight shards (paths relative to the json) into memory. */
export async function readGraphModel(jsonPath: string): Promise<TfGraphModel> {
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  if (json.format !== 'graph-model' || !json.modelTopology?.node) {
    throw new MapmintError('invalid_input', 'tfjs_format', `${jsonPath}: not a tfjs graph model`);
  }
  const consts = new Map<string, TfConst>();
  for (const group of json.weightsManifest ?? []) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(path.dirname(jsonPath), p))));
    const buf = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      const { value, bytes } = decodeWeight(w, buf, offset);
      consts.set(w.name, value);
      offset += bytes;
    }
    if (offset !== buf.length) {
      throw new MapmintError(
        'invalid_input',
        'tfjs_weights',
        `${jsonPath}: manifest uses ${offset} of ${buf.length} bytes`,
      );
    }
  }
  const sig = (s: Record<string, { name: string; dtype: string; tensorShape?: TfAttr['shape'] }> | undefined) =>
    Object.values(s ?? {}).map((t) => ({
      name: t.name.replace(/:0$/, ''),
      dtype: t.dtype,
      shape: dims(t.tensorShape),
    }));
  return {
    nodes: json.modelTopology.node,
    consts,
    inputs: sig(json.signature?.inputs),
    outputs: sig(json.signature?.outputs),
  };
}

/** Helpers to read typed attributes (strings are base64 in the JSON). */
export const attr = {
  str: (n: TfNode, k: string): string | undefined => {
    const s = n.attr?.[k]?.s;
    return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
  },
  strs: (n: TfNode, k: string): string[] =>
    (n.attr?.[k]?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString()),
  int: (n: TfNode, k: string, dflt = 0): number => Number(n.attr?.[k]?.i ?? dflt),
  ints: (n: TfNode, k: string): number[] => (n.attr?.[k]?.list?.i ?? []).map(Number),
  bool: (n: TfNode, k: string): boolean => n.attr?.[k]?.b ?? false,
  float: (n: TfNode, k: string, dflt = 0): number => n.attr?.[k]?.f ?? dflt,
  type: (n: TfNode, k: string): string | undefined => n.attr?.[k]?.type,
  shape: (n: TfNode, k: string): number[] => dims(n.attr?.[k]?.shape),
};
