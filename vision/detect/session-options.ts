import type * as ort from 'onnxruntime-node';

/**
 * The onnxruntime session options every vision model is opened with. Spin-waiting of the intra-op threads is off:
 * on the 2-core reference machine, shared with sharp's libuv threads (decode, resize, crops) and with other
 * processes, spinning threads held the cores while idle and CenterNet ran at 6.5-7.7 fps with 2 threads against
 * 12.0-12.7 fps without spinning (same process, same inputs, load ~5; see vision/README.md).
 */
export function sessionOptions(threads: number | undefined): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads ?? 0,
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}
