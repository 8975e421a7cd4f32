/** The types every vision subfolder shares (boxes, images, detections, the detector interface): below them all. */

/** mapmint map-feature classes a detector can produce (Mapillary-style `--` separated names). */
export type MapFeatureClass =
  | 'regulatory--stop'
  | 'traffic-light'
  | 'fire-hydrant'
  | 'parking-meter'
  | 'bench'
  | 'object--person'
  | 'object--vehicle--car'
  | 'object--vehicle--bus'
  | 'object--vehicle--truck'
  | 'object--vehicle--bicycle'
  | 'object--vehicle--motorcycle'
  /** Derived by OCR on sign candidates (vision/signs), not by a detector class: value = the limit. */
  | 'speed-limit'
  /** Derived by OCR on text near sign posts: value = the name read. */
  | 'street-name-sign';

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

/** A decoded, EXIF-rotated RGB image held in memory (3 bytes per pixel, row-major). */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * An image to detect in: a file path, encoded bytes (JPEG, PNG, ...), or pixels already decoded (the pipeline
 * decodes each frame once and shares the pixels between detector, OCR crops and review crops).
 */
export type ImageInput = string | Buffer | RgbImage;

/** Finds objects in images; one Detection[] per input image, in input order. */
export interface Detector {
  readonly name: string;
  detect(images: readonly ImageInput[]): Promise<Detection[][]>;
  close(): Promise<void>;
}
