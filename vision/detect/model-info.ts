import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { invalid } from '../../core/index.ts';

/** What a detector needs to know about an ONNX file before running it. */
export interface OnnxModelInfo {
  inputName: string;
  /** Input dims; -1 where symbolic (e.g. a dynamic batch). */
  inputDims: number[];
  outputNames: string[];
  metadata: Record<string, string>;
}

/** Reads input/output names, input dims and metadata_props from an ONNX file. */
export async function readOnnxModelInfo(file: string): Promise<OnnxModelInfo> {
  const model = onnxProto.onnx.ModelProto.decode(await readFile(file));
  const graph = model.graph;
  if (!graph) throw invalid('onnx_invalid', `${file}: no graph`);
  // Before IR 4 initializers were also listed as graph inputs; the real input is the one without data.
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  const input = (graph.input ?? []).find((i) => !inits.has(i.name));
  if (!input) throw invalid('onnx_invalid', `${file}: no input`);
  const dims = (input.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.dimValue !== null && d.dimValue !== undefined && Number(d.dimValue) > 0 ? Number(d.dimValue) : -1,
  );
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  const outputNames = (graph.output ?? []).map((o) => o.name ?? '');
  return { inputName: input.name ?? '', inputDims: dims, outputNames, metadata };
}
