import type { Box } from '../types.ts';

/** One SSD anchor: its centre in [0, 1] input coordinates. */
export interface Anchor {
  cx: number;
  cy: number;
}

/**
 * MediaPipe's BlazeFace SSD anchors (ssd_anchors_calculator with fixed_anchor_size): per output layer a square
 * grid of cells, each cell holding `perCell` anchors at its centre. MediaPipe's configs give 2 anchors per cell
 * on the finer layer and 6 (three merged stride-16 layers of 2) on the coarser one; the grid side follows from the
 * layer's anchor count (16x16x2 = 512, 8x8x6 = 384), so the grid is derived from the model's output shapes.
 */
export function ssdAnchors(layerCounts: readonly number[], perCell: readonly number[] = [2, 6]): Anchor[] {
  const out: Anchor[] = [];
  for (const [l, count] of layerCounts.entries()) {
    const k = perCell[l] ?? 2;
    const side = Math.round(Math.sqrt(count / k));
    if (side * side * k !== count) throw new Error(`anchor layer ${l}: ${count} is not side^2 * ${k}`);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        for (let a = 0; a < k; a++) out.push({ cx: (x + 0.5) / side, cy: (y + 0.5) / side });
  }
  return out;
}

/** A face candidate in [0, 1] input coordinates. */
export interface FaceCandidate {
  box: Box;
  score: number;
}

/**
 * Decodes BlazeFace regressors ([dx, dy, w, h, 6 keypoints x 2] in input pixels, relative to the anchor centre,
 * as MediaPipe's tensors_to_detections with x/y/w/h_scale = input size) and sigmoid scores (logits clipped at
 * +-100 like MediaPipe's score_clipping_thresh); keeps candidates scoring at least `minScore`.
 */
export function decodeBlazeFace(
  logits: Float32Array,
  boxes: Float32Array,
  anchors: readonly Anchor[],
  inputSize: number,
  minScore: number,
): FaceCandidate[] {
  const stride = boxes.length / anchors.length;
  const out: FaceCandidate[] = [];
  for (const [i, a] of anchors.entries()) {
    const z = Math.max(-100, Math.min(100, logits[i]!));
    const score = 1 / (1 + Math.exp(-z));
    if (score < minScore) continue;
    const o = i * stride;
    const cx = a.cx + boxes[o]! / inputSize;
    const cy = a.cy + boxes[o + 1]! / inputSize;
    const w = boxes[o + 2]! / inputSize;
    const h = boxes[o + 3]! / inputSize;
    if (!(w > 0 && h > 0)) continue;
    out.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, score });
  }
  return out;
}
