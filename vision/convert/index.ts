/** TF.js graph model -> ONNX converter. */
export { CONVERTER_VERSION, type ConvertResult, ensureConverted } from './convert-cached.ts';
export { type ConvertOptions, convertGraphModel, OPSET } from './convert-graph.ts';
export { readGraphModel, type TfGraphModel } from './read-graph-model.ts';
