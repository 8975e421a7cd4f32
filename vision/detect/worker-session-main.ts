/** The worker side of WorkerSession: opens the model, then answers each run request in order. */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from './session-options.ts';
import type { WireTensor } from './worker-session.ts';

const port = parentPort;
if (!port) throw new Error('worker-session-main.ts runs in a worker thread');
const { modelPath, threads } = workerData as { modelPath: string; threads: number | undefined };

let session: ort.InferenceSession;
try {
  session = await ort.InferenceSession.create(modelPath, sessionOptions(threads));
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

port.on('message', async (m: { id: number; inputName: string; input: WireTensor; fetch: string[] }) => {
  try {
    const result = await session.run({ [m.inputName]: new ort.Tensor('float32', m.input.data, m.input.dims) }, m.fetch);
    // Outputs are copied back (structured clone): the detections head is 2.4 KB, and onnxruntime's own buffers
    // are not ours to transfer.
    const outputs: Record<string, WireTensor> = {};
    for (const name of m.fetch) {
      const t = result[name];
      if (t?.type !== 'float32') throw new Error(`no float32 output ${name}`);
      outputs[name] = { data: t.data as Float32Array, dims: t.dims };
    }
    port.postMessage({ id: m.id, outputs });
  } catch (err) {
    port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
