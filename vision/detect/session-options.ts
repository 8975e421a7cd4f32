import type * as ort from 'onnxruntime-node';

/**
 * Intra-op threads per session unless MAPMINT_VISION_THREADS (or a caller) says otherwise: 1. CenterNet's parallel
 * sections scale poorly (bare 24.8 fps with 1 thread, 29.5 with 2, on an idle 2-core machine) and a 2-thread run
 * stalls whenever other work takes one of its cores: with the detector in its worker thread, the vision stage ran
 * 23.4 fps with 1 thread and 23.0 with 2, and the ingest privacy step 2.8 against 2.1-2.3 frames/s. One thread per
 * session leaves the other cores to the next frame's decode, OCR and other jobs (bench/vision.ts).
 */
export const DEFAULT_INTRA_OP_THREADS = 1;

/**
 * The onnxruntime session options every vision model is opened with. Spin-waiting of the intra-op threads is off:
 * on the 2-core reference machine, shared with sharp's libuv threads (decode, resize, crops) and with other
 * processes, spinning threads held the cores while idle and CenterNet ran at 6.5-7.7 fps with 2 threads against
 * 12.0-12.7 fps without spinning (same process, same inputs, load ~5; see vision/README.md).
 */
export function sessionOptions(threads: number | undefined): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads ?? DEFAULT_INTRA_OP_THREADS,
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}
