import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * Builds a tiny YOLO-shaped ONNX model by hand with onnx-proto: input `images` [1, 3, size, size], output
 * `output0` = head * ReduceMax(images), so a white image (max 1 after /255) yields exactly `head`.
 * Ultralytics-style `names` go into metadata_props.
 */
export function buildYoloModel(opts: {
  size: number;
  head: Float32Array;
  headDims: number[];
  names: string;
}): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const AT = onnx.AttributeProto.AttributeType;
  const raw = new Uint8Array(opts.head.buffer, opts.head.byteOffset, opts.head.byteLength);
  const shape = (dims: number[]) => ({ dim: dims.map((d) => ({ dimValue: d })) });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'mapmint-test',
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: [{ key: 'names', value: opts.names }],
    graph: {
      name: 'yolo-test',
      initializer: [{ name: 'head', dataType: FLOAT, dims: opts.headDims, rawData: raw }],
      node: [
        {
          opType: 'ReduceMax',
          input: ['images'],
          output: ['max'],
          attribute: [{ name: 'keepdims', type: AT.INT, i: 0 }],
        },
        { opType: 'Mul', input: ['head', 'max'], output: ['output0'] },
      ],
      input: [
        { name: 'images', type: { tensorType: { elemType: FLOAT, shape: shape([1, 3, opts.size, opts.size]) } } },
      ],
      output: [{ name: 'output0', type: { tensorType: { elemType: FLOAT, shape: shape(opts.headDims) } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
