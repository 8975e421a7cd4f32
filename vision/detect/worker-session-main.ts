/** The worker side of WorkerSession: opens the model on this thread, then answers each run request in order. */
import { parentPort, workerData } from 'node:worker_threads';
import { InThreadRunner, type WireTensor } from './model-runner.ts';

const port = parentPort;
if (!port) throw new Error('worker-session-main.ts runs in a worker thread');
const { modelPath, threads } = workerData as { modelPath: string; threads: number | undefined };

let runner: InThreadRunner;
try {
  runner = await InThreadRunner.open(modelPath, threads);
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

port.on('message', async (m: { id: number; inputName: string; input: WireTensor; fetch: string[] }) => {
  try {
    // Outputs are copied back (structured clone): the detections head is 2.4 KB, and onnxruntime's own buffers
    // are not ours to transfer.
    port.postMessage({ id: m.id, outputs: await runner.run(m.inputName, m.input, m.fetch) });
  } catch (err) {
    port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
