import { invalid } from '../../core/index.ts';
import type { NmsCandidate } from './nms.ts';

/** A decoded candidate in model-input pixels, before NMS and un-letterboxing. */
export type Candidate = NmsCandidate;

/** A raw output tensor. */
export interface RawTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** Decodes CenterNet's own head: [B, K, 6] rows (x1, y1, x2, y2, score, class) in input pixels. */
export function decodeCenterNet(out: RawTensor, batchIndex: number, minScore: number): Candidate[] {
  const [, k, six] = out.dims;
  if (out.dims.length !== 3 || six !== 6 || k === undefined) throw invalid('centernet_output', `dims ${out.dims}`);
  const res: Candidate[] = [];
  for (let i = 0; i < k; i++) {
    const o = (batchIndex * k + i) * 6;
    const score = out.data[o + 4]!;
    if (!(score >= minScore)) continue;
    const box = { x1: out.data[o]!, y1: out.data[o + 1]!, x2: out.data[o + 2]!, y2: out.data[o + 3]! };
    res.push({ box, score, classId: Math.round(out.data[o + 5]!) });
  }
  return res;
}

/** Which YOLO head layout an output has. */
export type YoloFormat = 'v5' | 'v8';

/**
 * Tells the head layout from the shape: v5 is [B, N, 5 + C] (cx, cy, w, h, objectness, classes); v8/YOLO11 is
 * [B, 4 + C, N] (cx, cy, w, h, classes; no objectness).
 */
export function yoloFormat(dims: readonly number[], numClasses: number): YoloFormat {
  if (dims.length !== 3) throw invalid('yolo_output', `expected a 3-D output, got [${dims}]`);
  const v8 = dims[1] === 4 + numClasses;
  const v5 = dims[2] === 5 + numClasses;
  if (v8 && !v5) return 'v8';
  if (v5 && !v8) return 'v5';
  throw invalid('yolo_output', `[${dims}] is ${v5 ? 'ambiguous' : 'not a YOLO head'} for ${numClasses} classes`);
}

/** Decodes one image of a YOLO head into candidates with score >= minScore (best class per anchor). */
export function decodeYolo(
  out: RawTensor,
  batchIndex: number,
  opts: { numClasses: number; minScore: number; format?: YoloFormat },
): Candidate[] {
  const format = opts.format ?? yoloFormat(out.dims, opts.numClasses);
  const c = opts.numClasses;
  const v8 = format === 'v8';
  const n = (v8 ? out.dims[2] : out.dims[1]) ?? 0;
  const stride = v8 ? 4 + c : 5 + c;
  const base = batchIndex * n * stride;
  // v8 is channel-major ([4 + C, N]); v5 is anchor-major ([N, 5 + C]).
  const at = (anchor: number, ch: number): number => out.data[base + (v8 ? ch * n + anchor : anchor * stride + ch)]!;
  const res: Candidate[] = [];
  for (let a = 0; a < n; a++) {
    const obj = v8 ? 1 : at(a, 4);
    if (!(obj >= opts.minScore)) continue;
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < c; k++) {
      const s = at(a, (v8 ? 4 : 5) + k);
      if (s > bestScore) [best, bestScore] = [k, s];
    }
    const score = obj * bestScore;
    if (!(score >= opts.minScore)) continue;
    const [cx, cy, w, h] = [at(a, 0), at(a, 1), at(a, 2), at(a, 3)];
    res.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, score, classId: best });
  }
  return res;
}
