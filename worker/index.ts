export { HANDLERS, sharedPrivacy } from './handlers.ts';
export { startWorker, type WorkerOptions } from './run-worker.ts';
export { openRuntime, type Runtime } from './runtime.ts';
