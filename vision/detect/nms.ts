import type { Box } from '../types.ts';

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/** What NMS needs from a candidate. */
export interface NmsCandidate {
  box: Box;
  score: number;
  classId: number;
}

/**
 * Greedy non-maximum suppression, per class unless `classAware` is false: keeps the best-scoring box and drops
 * any box of the same class overlapping a kept one by more than `iouThreshold`. Ties keep input order.
 */
export function nms<T extends NmsCandidate>(
  items: readonly T[],
  opts: { iouThreshold: number; classAware?: boolean; maxDetections?: number },
): T[] {
  const order = items.map((_, i) => i).sort((a, b) => items[b]!.score - items[a]!.score || a - b);
  const kept: T[] = [];
  const max = opts.maxDetections ?? Number.POSITIVE_INFINITY;
  for (const i of order) {
    if (kept.length >= max) break;
    const c = items[i]!;
    const clash = kept.some(
      (k) => (opts.classAware === false || k.classId === c.classId) && iou(k.box, c.box) > opts.iouThreshold,
    );
    if (!clash) kept.push(c);
  }
  return kept;
}
