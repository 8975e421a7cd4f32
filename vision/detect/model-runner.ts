/**
 * How a detector runs its model: one float32 input in, the fetched float32 outputs out. `InThreadRunner` runs the
 * onnxruntime session on the calling thread; `WorkerSession` (worker-session.ts) runs it in a worker thread.
 */
import * as ort from 'onnxruntime-node';
import { invalid } from '../../core/index.ts';
import { sessionOptions } from './session-options.ts';

/** A float32 tensor as a runner takes and returns it (and as it crosses a thread boundary). */
export interface WireTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** One opened model. */
export interface ModelRunner {
  /** Runs the model on one input; a worker runner takes over `input.data`'s buffer (do not reuse it). */
  run(inputName: string, input: WireTensor, fetch: readonly string[]): Promise<Record<string, WireTensor>>;
  close(): Promise<void>;
}

/** The session on the calling thread (which onnxruntime-node holds for the whole inference); also what a worker runs. */
export class InThreadRunner implements ModelRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly label: string,
  ) {}

  static async open(modelPath: string, threads: number | undefined): Promise<InThreadRunner> {
    return new InThreadRunner(await ort.InferenceSession.create(modelPath, sessionOptions(threads)), modelPath);
  }

  /** One `session.run`; a fetched output that is not float32 is an error. */
  async run(inputName: string, input: WireTensor, fetch: readonly string[]): Promise<Record<string, WireTensor>> {
    const result = await this.session.run({ [inputName]: new ort.Tensor('float32', input.data, input.dims) }, [
      ...fetch,
    ]);
    const outputs: Record<string, WireTensor> = {};
    for (const name of fetch) {
      const t = result[name];
      if (t?.type !== 'float32') throw invalid('detector_output', `${this.label}: no float32 output ${name}`);
      outputs[name] = { data: t.data as Float32Array, dims: t.dims };
    }
    return outputs;
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
