import type { Command } from 'commander';
import { MapmintError } from '../../core/index.ts';
import { JOB_NAMES, type JobName } from '../../queue/index.ts';
import { buildServer, serverConfigFromEnv } from '../../server/index.ts';
import { openRuntime, type Runtime, startWorker } from '../../worker/index.ts';
import { emit, type GlobalFlags, log } from '../output.ts';
import { redact } from './system.ts';

/** Starts the HTTP server (and optionally a worker) on an open runtime; returns the URL and a stop function. */
export async function startService(
  rt: Runtime,
  opts: { port?: number; host?: string; worker: boolean; openReview?: boolean },
) {
  const config = serverConfigFromEnv({
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.openReview ? { openReview: true } : {}),
  });
  const app = await buildServer({ sql: rt.sql, blobs: rt.blobs, queue: rt.queue }, config);
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host}:${port}`;
  const worker = opts.worker
    ? await startWorker(rt, { onJob: (e) => log(`worker: ${e.name} ${e.id} ${e.ok ? 'done' : `failed: ${e.error}`}`) })
    : undefined;
  return {
    url,
    async stop() {
      await worker?.stop();
      await app.close();
    },
  };
}

/** Waits for SIGINT/SIGTERM, then runs `cleanup`. */
export function untilSignal(cleanup: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      log('stopping...');
      void cleanup().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `serve` and `worker`. */
export function registerService(program: Command, flags: () => GlobalFlags): void {
  program
    .command('serve')
    .description('start the upload service (tus, sign-in, API, /openapi.json)')
    .option('-p, --port <port>', 'port (default MAPMINT_PORT or 8787)', Number)
    .option('--host <host>', 'address to bind (default MAPMINT_HOST or 127.0.0.1)')
    .option('--with-worker', 'also process jobs in this process')
    .action(async (o: { port?: number; host?: string; withWorker?: boolean }) => {
      const rt = await openRuntime({ queue: { supervise: !!o.withWorker } });
      const svc = await startService(rt, { port: o.port, host: o.host, worker: !!o.withWorker });
      emit(
        flags(),
        { url: svc.url, database: redact(rt.url) },
        () => `mapmint serving on ${svc.url} (OpenAPI: ${svc.url}/openapi.json)`,
      );
      await untilSignal(async () => {
        await svc.stop();
        await rt.close();
      });
    });
  program
    .command('worker')
    .description('process jobs from the queue; run as many as you like, on any machine sharing the database')
    .option('-c, --concurrency <n>', 'jobs of each kind at once', Number, 1)
    .option('--only <jobs>', `comma-separated job kinds this worker takes (default all: ${JOB_NAMES.join(', ')})`)
    .action(async (o: { concurrency: number; only?: string }) => {
      const only = o.only?.split(',').map((x) => x.trim()) as JobName[] | undefined;
      const unknown = only?.filter((n) => !JOB_NAMES.includes(n));
      if (unknown?.length)
        throw new MapmintError('invalid_input', 'unknown_job', `unknown job kind(s): ${unknown.join(', ')}`);
      const rt = await openRuntime();
      const w = await startWorker(rt, {
        concurrency: o.concurrency,
        ...(only ? { only } : {}),
        onJob: (e) => log(`${e.name} ${e.id} ${e.ok ? 'done' : `failed: ${e.error}`}`),
      });
      emit(
        flags(),
        { worker: 'started', pid: process.pid },
        () => `worker ${process.pid} processing jobs (Ctrl-C to stop)`,
      );
      await untilSignal(async () => {
        await w.stop();
        await rt.close();
      });
    });
}
