import type { MapFeatureClass } from './taxonomy.ts';

/** An axis-aligned box in pixels of the original image, origin top-left. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** One detected object. */
export interface Detection {
  box: Box;
  score: number;
  /** The model's class index and name. */
  classId: number;
  label: string;
  /** The mapmint class, when the taxonomy maps this label. */
  feature: MapFeatureClass | undefined;
}

/** An image to detect in: a file path or encoded bytes (JPEG, PNG, ...). */
export type ImageInput = string | Buffer;

/** Finds objects in images; one Detection[] per input image, in input order. */
export interface Detector {
  readonly name: string;
  detect(images: readonly ImageInput[]): Promise<Detection[][]>;
  close(): Promise<void>;
}
