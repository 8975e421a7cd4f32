import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import type { io } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

let ready: Promise<void> | undefined;

/** Selects the tfjs wasm backend, loading its .wasm from the installed package (no network). */
export function useWasmBackend(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    // Threads would need worker_threads glue the node build does not set up; SIMD alone is enough here.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(`${dist}${path.sep}`);
    await tf.setBackend('wasm');
    await tf.ready();
  })();
  return ready;
}

/** Loads a tfjs graph model from local files through a custom IOHandler. */
export async function loadLocalGraphModel(jsonPath: string): Promise<GraphModel> {
  await useWasmBackend();
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
    signature?: object;
    format?: string;
  };
  const handler: io.IOHandler = {
    async load() {
      const weightSpecs: io.WeightsManifestEntry[] = [];
      const shards: Buffer[] = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) shards.push(await readFile(path.join(path.dirname(jsonPath), p)));
      }
      const all = Buffer.concat(shards);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
      return {
        modelTopology: json.modelTopology,
        weightSpecs,
        weightData,
        format: json.format,
        signature: json.signature,
      };
    },
  };
  return loadGraphModel(handler);
}

/** Runs the model on one NHWC float input and returns the named outputs as flat arrays. */
export async function runTfjs(
  model: GraphModel,
  input: Float32Array,
  shape: number[],
  outputs: string[],
): Promise<Float32Array[]> {
  const x = tf.tensor(input, shape, 'float32');
  const ys = model.execute(x, outputs);
  const list = Array.isArray(ys) ? ys : [ys];
  const data = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([x, ...list]);
  return data;
}
