import { MapmintError } from '../../core/index.ts';
import { type ConvertContext, mapOp } from './map-ops.ts';
import { DT, OnnxGraphBuilder, type ValueInfo } from './onnx-graph.ts';
import { attr, type TfConst, type TfGraphModel, type TfNode } from './read-graph-model.ts';

/** The opset the converter targets (ORT >= 1.13 runs it; axes still attributes for ReduceMean). */
export const OPSET = 17;

const SIG_TYPE: Record<string, number> = { DT_FLOAT: DT.FLOAT, DT_INT32: DT.INT32, DT_BOOL: DT.BOOL };

function splitRef(ref: string): { node: string; index: number } {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { node: m[1]!, index: Number(m[2]) } : { node: ref, index: 0 };
}

/** Nodes needed for `outputs`, dependencies first; iterative DFS so deep graphs don't overflow the stack. */
function reachable(byName: Map<string, TfNode>, outputs: string[]): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  for (const root of outputs) {
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const node = byName.get(top.name);
      if (!node) throw new MapmintError('invalid_input', 'tfjs_graph', `graph has no node ${top.name}`);
      if (top.next === 0) {
        if (state.get(top.name) === 'done') {
          stack.pop();
          continue;
        }
        state.set(top.name, 'open');
      }
      const ins = (node.input ?? []).filter((i) => !i.startsWith('^'));
      if (top.next < ins.length) {
        const dep = splitRef(ins[top.next++]!).node;
        const s = state.get(dep);
        if (s === 'open') throw new MapmintError('invalid_input', 'tfjs_graph', `cycle through ${dep}`);
        if (s !== 'done') stack.push({ name: dep, next: 0 });
        continue;
      }
      state.set(top.name, 'done');
      order.push(node);
      stack.pop();
    }
  }
  return order;
}

function constInitializer(g: OnnxGraphBuilder, name: string, k: TfConst): string {
  if (k.dtype === 'float32') return g.f32(name, k.shape, k.data as Float32Array);
  if (k.dtype === 'int32') return g.i32(name, k.shape, k.data as Int32Array);
  return g.initializer(name, DT.BOOL, k.shape, k.data as Uint8Array);
}

/** Options for convertGraphModel. */
export interface ConvertOptions {
  /** Outputs to keep (default: the signature's outputs). */
  outputs?: string[];
  /** metadata_props written into the model (e.g. provenance, class names). */
  metadata?: Record<string, string>;
}

/**
 * Converts a parsed tfjs graph model to ONNX bytes. Tensors stay NHWC as in TF, so every shape-dependent op
 * (Reshape, axes, StridedSlice) keeps its TF meaning; only Conv/Pool/Resize run NCHW between a Transpose pair,
 * which onnxruntime's transpose optimiser cancels between consecutive layers.
 */
export function convertGraphModel(model: TfGraphModel, opts: ConvertOptions = {}): Uint8Array {
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  const outputs = opts.outputs ?? model.outputs.map((o) => o.name);
  const g = new OnnxGraphBuilder();
  const emitted = new Map<string, string>();
  const ctx: ConvertContext = {
    g,
    constOf(ref) {
      const { node, index } = splitRef(ref);
      return index === 0 && byName.get(node)?.op === 'Const' ? model.consts.get(node) : undefined;
    },
    tensor(ref) {
      const { node, index } = splitRef(ref);
      const k = index === 0 && byName.get(node)?.op === 'Const' ? model.consts.get(node) : undefined;
      if (byName.get(node)?.op === 'Const') {
        if (!k) throw new MapmintError('invalid_input', 'tfjs_weights', `no weights for Const ${node}`);
        const seen = emitted.get(node);
        if (seen) return seen;
        const name = constInitializer(g, node, k);
        emitted.set(node, name);
        return name;
      }
      return index === 0 ? node : `${node}:${index}`;
    },
    out: (n, i = 0) => (i === 0 ? n.name : `${n.name}:${i}`),
  };
  const inputs: ValueInfo[] = [];
  for (const n of reachable(byName, outputs)) {
    if (n.op === 'Const') continue;
    if (n.op === 'Placeholder') {
      const t = SIG_TYPE[attr.type(n, 'dtype') ?? ''];
      if (t === undefined) throw new MapmintError('invalid_input', 'tfjs_graph', `input ${n.name}: unsupported dtype`);
      inputs.push({ name: n.name, elemType: t, dims: attr.shape(n, 'shape') });
      continue;
    }
    mapOp(n, ctx);
  }
  const outInfo: ValueInfo[] = outputs.map((name) => {
    const sig = model.outputs.find((o) => o.name === name);
    return { name, elemType: SIG_TYPE[sig?.dtype ?? 'DT_FLOAT'] ?? DT.FLOAT, dims: sig?.shape };
  });
  return g.encode({ name: 'converted', inputs, outputs: outInfo, opset: OPSET, metadata: opts.metadata });
}
