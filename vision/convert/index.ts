/** TF.js graph model -> ONNX converter. */
export { CONVERTER_VERSION, type ConvertResult, ensureConverted } from './convert-cached.ts';
export { type ConvertOptions, convertGraphModel, OPSET, opCensus } from './convert-graph.ts';
export { SUPPORTED_OPS } from './map-ops.ts';
export { readGraphModel, type TfGraphModel } from './read-graph-model.ts';
