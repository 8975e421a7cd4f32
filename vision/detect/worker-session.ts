/**
 * An onnxruntime session in a worker thread. onnxruntime-node's `session.run` holds the calling thread for the
 * whole inference (a 1 ms timer ticked 9 times during ten 55 ms CenterNet runs), so on the main thread nothing else
 * (JPEG decode, resize, OCR, crops of the next frame) can happen while the model runs. In a worker the main thread
 * keeps working and the inference overlaps it. Inputs move as transferred buffers; outputs (a detection head is a
 * few kilobytes) are copied back.
 */
import { Worker } from 'node:worker_threads';
import { MapmintError } from '../../core/index.ts';
import type { ModelRunner, WireTensor } from './model-runner.ts';

interface RunReply {
  id: number;
  outputs?: Record<string, WireTensor>;
  error?: string;
}

/** One model session served by its own worker thread; runs are queued there in order. */
export class WorkerSession implements ModelRunner {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (o: Record<string, WireTensor>) => void; reject: (e: Error) => void }
  >();
  private failed: Error | undefined;

  private constructor(private readonly worker: Worker) {
    // An idle session does not keep the process alive (as an onnxruntime session on the main thread would not);
    // while a run is pending it does, so awaiting a result never ends in a silent exit.
    worker.unref();
    worker.on('message', (m: RunReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.outputs) p.resolve(m.outputs);
      else p.reject(new MapmintError('internal', 'inference_failed', m.error ?? 'inference failed'));
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new MapmintError('internal', 'inference_worker_exited', `exit code ${code}`)));
  }

  /** Starts the worker and opens the model in it with `threads` intra-op threads; rejects if the model fails to load. */
  static async open(modelPath: string, threads: number | undefined): Promise<WorkerSession> {
    const worker = new Worker(new URL('./worker-session-main.ts', import.meta.url), {
      workerData: { modelPath, threads },
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      worker.once('error', onError);
      worker.once('message', (m: { ready?: boolean; error?: string }) => {
        worker.off('error', onError);
        if (m.ready) resolve();
        else reject(new MapmintError('invalid_input', 'model_unreadable', `${modelPath}: ${m.error}`));
      });
    });
    return new WorkerSession(worker);
  }

  /**
   * Runs the model on one float32 input and returns the `fetch` outputs. The input's buffer is transferred to the
   * worker: the caller must not use `data` afterwards.
   */
  run(inputName: string, input: WireTensor, fetch: readonly string[]): Promise<Record<string, WireTensor>> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, inputName, input, fetch }, [input.data.buffer as ArrayBuffer]);
    });
  }

  /** Releases the session and stops the worker. */
  async close(): Promise<void> {
    this.failed ??= new MapmintError('internal', 'session_closed', 'the inference session is closed');
    await this.worker.terminate();
  }
}
