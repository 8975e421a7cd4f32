import { existsSync } from 'node:fs';
import { MapmintError } from '../../core/index.ts';
import { convertCenterNet } from '../models/fetch-models.ts';
import { MODEL_PATHS } from '../models/paths.ts';
import type { Detector } from '../types.ts';
import { readLabelsFile } from './labels.ts';
import { OnnxDetector } from './onnx-detector.ts';

/** Settings shared by every model. */
export interface RuntimeSettings {
  threads?: number;
  batchSize?: number;
  minScore?: number;
  iouThreshold?: number;
}

/** Which detector to run: the converted CenterNet (default) or a user-supplied YOLO ONNX file. */
export type DetectorConfig =
  | ({ model: 'centernet'; onnxPath?: string } & RuntimeSettings)
  | ({ model: 'yolo'; onnxPath: string; labelsPath?: string; inputSize?: number } & RuntimeSettings);

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new MapmintError('invalid_input', 'env_invalid', `not a number: ${v}`);
  return n;
}

/** Reads MAPMINT_DETECTOR (centernet|yolo), MAPMINT_YOLO_MODEL, MAPMINT_YOLO_LABELS, MAPMINT_VISION_THREADS, ... */
export function detectorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DetectorConfig {
  const common: RuntimeSettings = {
    threads: num(env['MAPMINT_VISION_THREADS']),
    batchSize: num(env['MAPMINT_VISION_BATCH']),
    minScore: num(env['MAPMINT_VISION_MIN_SCORE']),
  };
  const model = env['MAPMINT_DETECTOR'] ?? 'centernet';
  if (model === 'centernet') return { model, ...common };
  if (model === 'yolo') {
    const onnxPath = env['MAPMINT_YOLO_MODEL'];
    if (!onnxPath)
      throw new MapmintError('invalid_input', 'env_invalid', 'MAPMINT_DETECTOR=yolo needs MAPMINT_YOLO_MODEL');
    return {
      model,
      onnxPath,
      labelsPath: env['MAPMINT_YOLO_LABELS'],
      inputSize: num(env['MAPMINT_YOLO_SIZE']),
      ...common,
    };
  }
  throw new MapmintError('invalid_input', 'env_invalid', `MAPMINT_DETECTOR must be centernet or yolo, not ${model}`);
}

/** Opens the configured detector (converting CenterNet on first use if only the tfjs files are present). */
export async function createDetector(cfg: DetectorConfig = { model: 'centernet' }): Promise<Detector> {
  const runtime = {
    intraOpNumThreads: cfg.threads,
    batchSize: cfg.batchSize,
    minScore: cfg.minScore,
    iouThreshold: cfg.iouThreshold,
  };
  if (cfg.model === 'centernet') {
    const onnxPath = cfg.onnxPath ?? MODEL_PATHS.centernetOnnx;
    if (!cfg.onnxPath && existsSync(MODEL_PATHS.centernetJson)) await convertCenterNet();
    if (!existsSync(onnxPath)) {
      throw new MapmintError('dependency_missing', 'model_missing', `${onnxPath} is missing: run \`npm run models\``);
    }
    return OnnxDetector.create({ modelPath: onnxPath, head: 'centernet', ...runtime });
  }
  const labels = cfg.labelsPath ? await readLabelsFile(cfg.labelsPath) : undefined;
  const size = cfg.inputSize;
  return OnnxDetector.create({
    modelPath: cfg.onnxPath,
    head: 'yolo',
    labels,
    preprocess: size ? { width: size, height: size } : undefined,
    ...runtime,
  });
}
