import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Box } from '../../../vision/index.ts';
import { sharedFile } from '../../support/shared-data.ts';

interface LabelObject {
  class: string;
  bbox_xywh?: number[];
  bbox_xyxy?: number[];
  text?: string;
}

/** Annotated objects of a shared image (labels.json), boxes as x1/y1/x2/y2. */
export function labelledObjects(image: string): { class: string; box: Box; text?: string }[] {
  const labels = JSON.parse(readFileSync(sharedFile('images', 'labels.json'), 'utf8')) as {
    images: Record<string, { objects?: LabelObject[] }>;
  };
  return (labels.images[image]?.objects ?? []).map((o) => {
    const [a = 0, b = 0, c = 0, d = 0] = o.bbox_xyxy ?? o.bbox_xywh ?? [];
    const box = o.bbox_xyxy ? { x1: a, y1: b, x2: c, y2: d } : { x1: a, y1: b, x2: a + c, y2: b + d };
    return { class: o.class, box, ...(o.text ? { text: o.text } : {}) };
  });
}

/** Face boxes annotated by eye (test/vision/fixtures/faces.json says how). */
export function annotatedFaces(image: string): Box[] {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'faces.json');
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number[][]>;
  return (all[image] ?? []).map(([x1 = 0, y1 = 0, x2 = 0, y2 = 0]) => ({ x1, y1, x2, y2 }));
}

/** The openalpr frames with an annotated plate. */
export const ALPR_IMAGES = [
  'alpr_us_12c6cb72.jpg',
  'alpr_us_1e241dc8.jpg',
  'alpr_us_21d8c31d.jpg',
  'alpr_us_22e54a62.jpg',
];
