import type { Box } from '../types.ts';

/** A text region found in a DB probability map, in map pixels. */
export interface TextRegion {
  box: Box;
  /** Mean probability over the region's pixels. */
  score: number;
}

/** DB post-processing settings; defaults are PaddleOCR's (det_db_thresh 0.3, box_thresh 0.6, unclip_ratio 1.5). */
export interface DbOptions {
  threshold?: number;
  boxThreshold?: number;
  unclipRatio?: number;
  /** Regions whose shorter side (before unclipping) is below this many pixels are dropped (PaddleOCR: 3). */
  minSize?: number;
}

/**
 * Differentiable-binarisation post-processing (Liao et al. 2020) with axis-aligned boxes: threshold the map,
 * label 8-connected components, score each by its mean probability, then "unclip" (grow) each box by
 * D = A * r / L (area A, perimeter L, ratio r), the offset PaddleOCR applies to the shrunk text kernels.
 */
export function dbBoxes(prob: Float32Array, width: number, height: number, opts: DbOptions = {}): TextRegion[] {
  const thr = opts.threshold ?? 0.3;
  const boxThr = opts.boxThreshold ?? 0.6;
  const ratio = opts.unclipRatio ?? 1.5;
  const minSize = opts.minSize ?? 3;
  const label = new Int32Array(width * height);
  const stack: number[] = [];
  const out: TextRegion[] = [];
  let next = 0;
  for (let start = 0; start < width * height; start++) {
    if (label[start] !== 0 || prob[start]! <= thr) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let x1 = width;
    let y1 = height;
    let x2 = -1;
    let y2 = -1;
    let sum = 0;
    let n = 0;
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      sum += prob[p]!;
      n++;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (label[q] === 0 && prob[q]! > thr) {
            label[q] = next;
            stack.push(q);
          }
        }
      }
    }
    const w = x2 - x1 + 1;
    const h = y2 - y1 + 1;
    const score = sum / n;
    if (Math.min(w, h) < minSize || score < boxThr) continue;
    const d = (w * h * ratio) / (2 * (w + h));
    out.push({
      box: {
        x1: Math.max(0, x1 - d),
        y1: Math.max(0, y1 - d),
        x2: Math.min(width, x2 + 1 + d),
        y2: Math.min(height, y2 + 1 + d),
      },
      score,
    });
  }
  return out;
}
