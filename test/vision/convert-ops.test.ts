import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { convertGraphModel, type TfGraphModel, type TfNode } from '../../vision/index.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const i32 = (shape: number[], data: number[]) => ({ dtype: 'int32' as const, shape, data: Int32Array.from(data) });

/** A hand-written tfjs graph: integer floor division/modulo with negative operands and a shrinking StridedSlice. */
function intGraph(): TfGraphModel {
  const nodes: TfNode[] = [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { dtype: { type: 'DT_INT32' }, shape: { shape: { dim: [{ size: '2' }, { size: '3' }] } } },
    },
    { name: 'four', op: 'Const' },
    { name: 'b', op: 'Const' },
    { name: 'e', op: 'Const' },
    { name: 's', op: 'Const' },
    { name: 'fd', op: 'FloorDiv', input: ['x', 'four'], attr: { T: { type: 'DT_INT32' } } },
    { name: 'fm', op: 'FloorMod', input: ['x', 'four'], attr: { T: { type: 'DT_INT32' } } },
    // x[1, 0:3:2]: shrink axis 0, step 2 on axis 1.
    { name: 'ss', op: 'StridedSlice', input: ['x', 'b', 'e', 's'], attr: { shrink_axis_mask: { i: '1' } } },
    { name: 'ex', op: 'ExpandDims', input: ['ss', 'minus1'] },
    { name: 'minus1', op: 'Const' },
  ];
  const consts = new Map([
    ['four', i32([], [4])],
    ['b', i32([2], [1, 0])],
    ['e', i32([2], [2, 3])],
    ['s', i32([2], [1, 2])],
    ['minus1', i32([], [-1])],
  ]);
  return {
    nodes,
    consts,
    inputs: [{ name: 'x', dtype: 'DT_INT32', shape: [2, 3] }],
    outputs: [
      { name: 'fd', dtype: 'DT_INT32', shape: [2, 3] },
      { name: 'fm', dtype: 'DT_INT32', shape: [2, 3] },
      { name: 'ex', dtype: 'DT_INT32', shape: [2, 1] },
    ],
  };
}

test('FloorDiv/FloorMod follow TF floor semantics for negative ints; StridedSlice shrinks; ExpandDims(-1)', async () => {
  const session = await ort.InferenceSession.create(convertGraphModel(intGraph()));
  const x = new ort.Tensor('int32', Int32Array.from([-7, -4, -1, 0, 5, 9]), [2, 3]);
  const r = await session.run({ x });
  assert.deepEqual(Array.from(r['fd']!.data as Int32Array), [-2, -1, -1, 0, 1, 2]);
  assert.deepEqual(Array.from(r['fm']!.data as Int32Array), [1, 0, 3, 0, 1, 1]);
  assert.deepEqual(Array.from(r['ex']!.data as Int32Array), [0, 9]);
  assert.deepEqual(r['ex']!.dims, [2, 1]);
  await session.release();
});

test('an op without a mapping fails with a typed error naming the op and node', () => {
  const g = intGraph();
  g.nodes.push({ name: 'weird', op: 'Bucketize', input: ['x'] });
  g.outputs = [{ name: 'weird', dtype: 'DT_INT32', shape: [2, 3] }];
  assert.throws(() => convertGraphModel(g), { code: 'tfjs_op_unsupported', message: /Bucketize weird/ });
});

test('fused conv with an unknown fused op is refused, not silently dropped', () => {
  const g = intGraph();
  g.consts.set('w', { dtype: 'float32', shape: [1, 1, 3, 1], data: new Float32Array(3) });
  g.nodes.push({
    name: 'conv',
    op: '_FusedConv2D',
    input: ['x', 'w', 'four'],
    attr: { fused_ops: { list: { s: [b64('BiasAdd'), b64('Gelu')] } }, padding: { s: b64('SAME') } },
  });
  g.nodes.push({ name: 'w', op: 'Const' });
  g.outputs = [{ name: 'conv', dtype: 'DT_FLOAT', shape: [] }];
  assert.throws(() => convertGraphModel(g), { code: 'tfjs_op_unsupported', message: /Gelu/ });
});
