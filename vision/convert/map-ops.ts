import type { onnx as O } from 'onnx-proto';
import { MapmintError } from '../../core/index.ts';
import { A, DT, type OnnxGraphBuilder } from './onnx-graph.ts';
import { attr, type TfConst, type TfNode } from './read-graph-model.ts';

/** What an op handler may use: the graph being built and the TF tensors it has seen. */
export interface ConvertContext {
  g: OnnxGraphBuilder;
  /** The static value of an input when it is a Const (axes, shapes, weights). */
  constOf(ref: string): TfConst | undefined;
  /** The ONNX tensor name for a TF input ref ("node" or "node:1"); emits an initializer for a Const. */
  tensor(ref: string): string;
  /** The ONNX name of output `i` of node `n`. */
  out(n: TfNode, i?: number): string;
}

type Handler = (n: TfNode, c: ConvertContext) => void;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

const ONNX_TYPE: Record<string, number> = {
  DT_FLOAT: DT.FLOAT,
  DT_INT32: DT.INT32,
  DT_INT64: DT.INT64,
  DT_BOOL: DT.BOOL,
  DT_UINT8: DT.UINT8,
};

function unsupported(n: TfNode, why: string): MapmintError {
  return new MapmintError('invalid_input', 'tfjs_op_unsupported', `${n.op} ${n.name}: ${why}`, { op: n.op });
}

function inputs(n: TfNode): string[] {
  return (n.input ?? []).filter((i) => !i.startsWith('^'));
}

function input(n: TfNode, i: number): string {
  const ref = inputs(n)[i];
  if (ref === undefined) throw unsupported(n, `missing input ${i}`);
  return ref;
}

function staticInts(n: TfNode, c: ConvertContext, i: number): number[] {
  const k = c.constOf(input(n, i));
  if (k?.dtype !== 'int32') throw unsupported(n, `input ${i} must be a constant int32 tensor`);
  return Array.from(k.data);
}

function checkNhwc(n: TfNode): void {
  const f = attr.str(n, 'data_format');
  if (f !== undefined && f !== 'NHWC') throw unsupported(n, `data_format ${f}`);
}

function padAttrs(n: TfNode): O.IAttributeProto[] {
  const p = attr.str(n, 'padding');
  // TF SAME puts the odd pixel of padding at the end, which is ONNX SAME_UPPER.
  if (p === 'SAME') return [A.str('auto_pad', 'SAME_UPPER')];
  if (p === 'VALID') return [A.str('auto_pad', 'VALID')];
  if (p === 'EXPLICIT') {
    const e = attr.ints(n, 'explicit_paddings'); // NHWC pairs: [nb, na, hb, ha, wb, wa, cb, ca]
    return [A.ints('pads', [e[2] ?? 0, e[4] ?? 0, e[3] ?? 0, e[5] ?? 0])];
  }
  throw unsupported(n, `padding ${p}`);
}

/** Runs `body` on the NCHW view of input 0 and transposes its result back to NHWC as output 0 of `n`. */
function inNchw(n: TfNode, c: ConvertContext, body: (xNchw: string) => string, outName = c.out(n)): string {
  const x = c.g.op('Transpose', [c.tensor(input(n, 0))], `${n.name}/to_nchw`, [A.ints('perm', TO_NCHW)]);
  return c.g.node('Transpose', [body(x)], [outName], [A.ints('perm', TO_NHWC)]);
}

/** Applies a TF activation (as named in `fused_ops`) to `x`, writing `outName`. */
function activation(n: TfNode, c: ConvertContext, kind: string, x: string, outName: string): string {
  const g = c.g;
  if (kind === 'Relu') return g.node('Relu', [x], [outName]);
  if (kind === 'Relu6') return g.node('Clip', [x, g.f32('zero', [], [0]), g.f32('six', [], [6])], [outName]);
  if (kind === 'Sigmoid') return g.node('Sigmoid', [x], [outName]);
  if (kind === 'Elu') return g.node('Elu', [x], [outName]);
  if (kind === 'LeakyRelu')
    return g.node('LeakyRelu', [x], [outName], [A.float('alpha', attr.float(n, 'leakyrelu_alpha', 0.2))]);
  if (kind === 'Prelu') return g.node('PRelu', [x, c.tensor(input(n, 3))], [outName]);
  throw unsupported(n, `fused activation ${kind}`);
}

/** TF HWIO (or depthwise [kh, kw, C, mult]) weights -> ONNX OIHW. */
function convWeights(n: TfNode, w: TfConst, depthwise: boolean): { data: Float32Array; dims: number[]; group: number } {
  if (w.dtype !== 'float32' || w.shape.length !== 4)
    throw unsupported(n, 'filter must be a constant float32 4-D tensor');
  const [kh, kw, ci, co] = w.shape as [number, number, number, number];
  const src = w.data as Float32Array;
  const data = new Float32Array(src.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          const v = src[((y * kw + x) * ci + i) * co + o]!;
          // Depthwise: output channel i*mult+o reads input channel i only (group = C).
          const oc = depthwise ? i * co + o : o;
          const ic = depthwise ? 0 : i;
          data[((oc * (depthwise ? 1 : ci) + ic) * kh + y) * kw + x] = v;
        }
  return depthwise ? { data, dims: [ci * co, 1, kh, kw], group: ci } : { data, dims: [co, ci, kh, kw], group: 1 };
}

function conv(depthwise: boolean, fused: boolean): Handler {
  return (n, c) => {
    checkNhwc(n);
    const w = c.constOf(input(n, 1));
    if (!w) throw unsupported(n, 'filter must be a constant');
    const { data, dims, group } = convWeights(n, w, depthwise);
    const ops = fused ? attr.strs(n, 'fused_ops') : [];
    if (fused && ops[0] !== 'BiasAdd') throw unsupported(n, `fused_ops ${ops.join(',')}`);
    const act = ops[1];
    if (ops.length > 2) throw unsupported(n, `fused_ops ${ops.join(',')}`);
    const s = attr.ints(n, 'strides');
    const d = attr.ints(n, 'dilations');
    const attrs = [
      A.int('group', group),
      A.ints('kernel_shape', dims.slice(2)),
      A.ints('strides', [s[1] ?? 1, s[2] ?? 1]),
      A.ints('dilations', [d[1] ?? 1, d[2] ?? 1]),
      ...padAttrs(n),
    ];
    const wName = c.g.f32(`${n.name}/W`, dims, data);
    const bias = fused ? [c.tensor(input(n, 2))] : [];
    const nhwcName = act ? c.g.fresh(`${n.name}/pre_act`) : c.out(n);
    const y = inNchw(n, c, (x) => c.g.op('Conv', [x, wName, ...bias], `${n.name}/conv`, attrs), nhwcName);
    if (act) activation(n, c, act, y, c.out(n));
  };
}

function pool(kind: 'MaxPool' | 'AveragePool'): Handler {
  return (n, c) => {
    checkNhwc(n);
    const k = attr.ints(n, 'ksize');
    const s = attr.ints(n, 'strides');
    const attrs = [
      A.ints('kernel_shape', [k[1] ?? 1, k[2] ?? 1]),
      A.ints('strides', [s[1] ?? 1, s[2] ?? 1]),
      ...padAttrs(n),
    ];
    inNchw(n, c, (x) => c.g.op(kind, [x], `${n.name}/pool`, attrs));
  };
}

function resize(mode: 'linear' | 'nearest'): Handler {
  return (n, c) => {
    const [h, w] = staticInts(n, c, 1);
    const g = c.g;
    const align = attr.bool(n, 'align_corners');
    const half = attr.bool(n, 'half_pixel_centers');
    const ctm = align
      ? 'align_corners'
      : half
        ? mode === 'linear'
          ? 'half_pixel'
          : 'tf_half_pixel_for_nn'
        : 'asymmetric';
    const attrs = [A.str('mode', mode), A.str('coordinate_transformation_mode', ctm)];
    // TF nearest rounds half up with align_corners and floors otherwise (resize_nearest_neighbor_op.cc).
    if (mode === 'nearest') attrs.push(A.str('nearest_mode', align ? 'round_prefer_ceil' : 'floor'));
    inNchw(n, c, (x) => {
      // opset 17 Resize wants sizes for every axis: N and C come from the input's own shape.
      const nc = g.op('Shape', [x], `${n.name}/nc`, [A.int('start', 0), A.int('end', 2)]);
      const sizes = g.op('Concat', [nc, g.i64(`${n.name}/hw`, [2], [h ?? 1, w ?? 1])], `${n.name}/sizes`, [
        A.int('axis', 0),
      ]);
      return g.op('Resize', [x, '', '', sizes], `${n.name}/resize`, attrs);
    });
  };
}

function reduce(onnxOp: string): Handler {
  return (n, c) => {
    const axes = staticInts(n, c, 1);
    const keep = A.int('keepdims', attr.bool(n, 'keep_dims') ? 1 : 0);
    // Until opset 18 only ReduceSum takes axes as an input; the others take an attribute.
    if (onnxOp === 'ReduceSum') {
      c.g.node(onnxOp, [c.tensor(input(n, 0)), c.g.i64(`${n.name}/axes`, [axes.length], axes)], [c.out(n)], [keep]);
    } else c.g.node(onnxOp, [c.tensor(input(n, 0))], [c.out(n)], [A.ints('axes', axes), keep]);
  };
}

function same(onnxOp: string): Handler {
  return (n, c) => {
    c.g.node(onnxOp, inputs(n).map(c.tensor), [c.out(n)]);
  };
}

function isInt(n: TfNode): boolean {
  const t = attr.type(n, 'T');
  return t === 'DT_INT32' || t === 'DT_INT64';
}

/** Integer floor division, exact for every sign: (a - floormod(a, b)) / b divides evenly. */
const floorDiv: Handler = (n, c) => {
  const g = c.g;
  const [a, b] = [c.tensor(input(n, 0)), c.tensor(input(n, 1))];
  if (!isInt(n)) return void g.node('Floor', [g.op('Div', [a, b], `${n.name}/div`)], [c.out(n)]);
  const mod = g.op('Mod', [a, b], `${n.name}/mod`, [A.int('fmod', 0)]);
  g.node('Div', [g.op('Sub', [a, mod], `${n.name}/sub`), b], [c.out(n)]);
};

/** Floor modulo: ONNX Mod(fmod=0) already floors for integers; floats need a - floor(a/b)*b. */
const floorMod: Handler = (n, c) => {
  const g = c.g;
  const [a, b] = [c.tensor(input(n, 0)), c.tensor(input(n, 1))];
  if (isInt(n)) return void g.node('Mod', [a, b], [c.out(n)], [A.int('fmod', 0)]);
  const q = g.op('Floor', [g.op('Div', [a, b], `${n.name}/div`)], `${n.name}/floor`);
  g.node('Sub', [a, g.op('Mul', [q, b], `${n.name}/mul`)], [c.out(n)]);
};

const stridedSlice: Handler = (n, c) => {
  const [begin, end, strides] = [staticInts(n, c, 1), staticInts(n, c, 2), staticInts(n, c, 3)];
  if (attr.int(n, 'ellipsis_mask') || attr.int(n, 'new_axis_mask')) throw unsupported(n, 'ellipsis/new_axis masks');
  const [bm, em, sm] = [attr.int(n, 'begin_mask'), attr.int(n, 'end_mask'), attr.int(n, 'shrink_axis_mask')];
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const shrink: number[] = [];
  begin.forEach((b, i) => {
    const step = strides[i] ?? 1;
    const bit = 1 << i;
    if (sm & bit) {
      starts.push(BigInt(b));
      ends.push(b === -1 ? INT64_MAX : BigInt(b + 1));
      shrink.push(i);
      return;
    }
    starts.push(bm & bit ? (step > 0 ? 0n : INT64_MAX) : BigInt(b));
    ends.push(em & bit ? (step > 0 ? INT64_MAX : INT64_MIN) : BigInt(end[i] ?? 0));
  });
  const g = c.g;
  const k = begin.length;
  const sliceIn = [
    c.tensor(input(n, 0)),
    g.i64(`${n.name}/starts`, [k], starts),
    g.i64(`${n.name}/ends`, [k], ends),
    g.i64(
      `${n.name}/axes`,
      [k],
      begin.map((_, i) => i),
    ),
    g.i64(
      `${n.name}/steps`,
      [k],
      strides.map((s, i) => ((sm >> i) & 1 ? 1 : s)),
    ),
  ];
  if (shrink.length === 0) return void g.node('Slice', sliceIn, [c.out(n)]);
  const sliced = g.op('Slice', sliceIn, `${n.name}/slice`);
  g.node('Squeeze', [sliced, g.i64(`${n.name}/squeeze_axes`, [shrink.length], shrink)], [c.out(n)]);
};

const HANDLERS: Record<string, Handler> = {
  Identity: same('Identity'),
  Relu: same('Relu'),
  Sigmoid: same('Sigmoid'),
  Tanh: same('Tanh'),
  Exp: same('Exp'),
  Sqrt: same('Sqrt'),
  Neg: same('Neg'),
  Abs: same('Abs'),
  Floor: same('Floor'),
  Add: same('Add'),
  AddV2: same('Add'),
  BiasAdd: (n, c) => {
    checkNhwc(n);
    same('Add')(n, c);
  },
  Sub: same('Sub'),
  Mul: same('Mul'),
  RealDiv: same('Div'),
  Maximum: same('Max'),
  Minimum: same('Min'),
  Equal: same('Equal'),
  Greater: same('Greater'),
  Less: same('Less'),
  Relu6: (n, c) => void activation(n, c, 'Relu6', c.tensor(input(n, 0)), c.out(n)),
  Rsqrt: (n, c) => void c.g.node('Reciprocal', [c.g.op('Sqrt', [c.tensor(input(n, 0))], `${n.name}/sqrt`)], [c.out(n)]),
  FloorDiv: floorDiv,
  FloorMod: floorMod,
  Cast: (n, c) => {
    const to = ONNX_TYPE[attr.type(n, 'DstT') ?? ''];
    if (to === undefined) throw unsupported(n, `cast to ${attr.type(n, 'DstT')}`);
    c.g.node('Cast', [c.tensor(input(n, 0))], [c.out(n)], [A.int('to', to)]);
  },
  Conv2D: conv(false, false),
  _FusedConv2D: conv(false, true),
  DepthwiseConv2dNative: conv(true, false),
  FusedDepthwiseConv2dNative: conv(true, true),
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  ResizeBilinear: resize('linear'),
  ResizeNearestNeighbor: resize('nearest'),
  Mean: reduce('ReduceMean'),
  Max: reduce('ReduceMax'),
  Min: reduce('ReduceMin'),
  Sum: reduce('ReduceSum'),
  ConcatV2: (n, c) => {
    const ins = inputs(n);
    const [axis] = staticInts(n, c, ins.length - 1);
    c.g.node('Concat', ins.slice(0, -1).map(c.tensor), [c.out(n)], [A.int('axis', axis ?? 0)]);
  },
  Reshape: (n, c) => {
    const shape = staticInts(n, c, 1);
    c.g.node('Reshape', [c.tensor(input(n, 0)), c.g.i64(`${n.name}/shape`, [shape.length], shape)], [c.out(n)]);
  },
  ExpandDims: (n, c) => {
    const axes = staticInts(n, c, 1);
    c.g.node('Unsqueeze', [c.tensor(input(n, 0)), c.g.i64(`${n.name}/axes`, [axes.length], axes)], [c.out(n)]);
  },
  Squeeze: (n, c) => {
    const axes = attr.ints(n, 'squeeze_dims');
    const ins = [c.tensor(input(n, 0))];
    if (axes.length > 0) ins.push(c.g.i64(`${n.name}/axes`, [axes.length], axes));
    c.g.node('Squeeze', ins, [c.out(n)]);
  },
  StridedSlice: stridedSlice,
  GatherV2: (n, c) => {
    if (attr.int(n, 'batch_dims') !== 0) throw unsupported(n, 'batch_dims != 0');
    const [axis] = staticInts(n, c, 2);
    c.g.node('Gather', [c.tensor(input(n, 0)), c.tensor(input(n, 1))], [c.out(n)], [A.int('axis', axis ?? 0)]);
  },
  TopKV2: (n, c) => {
    const [k] = staticInts(n, c, 1);
    const g = c.g;
    const idx64 = g.fresh(`${n.name}/indices_i64`);
    // ONNX TopK breaks ties by lower index like TF; its indices are int64 where TF's are int32.
    g.node(
      'TopK',
      [c.tensor(input(n, 0)), g.i64(`${n.name}/k`, [1], [k ?? 1])],
      [c.out(n, 0), idx64],
      [A.int('axis', -1), A.int('largest', 1), A.int('sorted', 1)],
    );
    g.node('Cast', [idx64], [c.out(n, 1)], [A.int('to', DT.INT32)]);
  },
};

/** Emits the ONNX nodes for one TF node (Const and Placeholder are handled by the caller). */
export function mapOp(n: TfNode, c: ConvertContext): void {
  const h = HANDLERS[n.op];
  if (!h) throw unsupported(n, 'no mapping');
  h(n, c);
}
