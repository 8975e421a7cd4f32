import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { Wallet } from 'ethers';
import { stateDir } from '../../db/index.ts';
import { type DemoManifest, generateDrive } from '../../ingest/demo/index.ts';
import { MapmintClient } from '../../sdk/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags, log, progressBar } from '../output.ts';
import { startService, untilSignal } from './service.ts';
import { redact } from './system.ts';
import { describeUpload } from './uploads.ts';

/** Options of `mapmint start`. */
interface StartOptions {
  port?: number;
  demo: boolean;
  demoSeconds: number;
  demoSize: string;
  seed: number;
  exit?: boolean;
}

/** Makes (or reuses) the demo drive for a seed and size. */
async function demoDrive(o: StartOptions): Promise<{ dir: string; manifest: DemoManifest }> {
  const [w, h] = o.demoSize.split('x').map(Number);
  if (!w || !h) throw new Error(`--demo-size must look like 1280x720, got ${o.demoSize}`);
  const dir = path.join(stateDir(), 'demo', `seed${o.seed}-${o.demoSeconds}s-${w}x${h}`);
  const mf = path.join(dir, 'manifest.json');
  if (existsSync(mf)) return { dir, manifest: JSON.parse(await readFile(mf, 'utf8')) };
  const bar = progressBar('rendering demo drive', ' frames');
  let started = false;
  try {
    const d = await generateDrive({
      outDir: dir,
      seed: o.seed,
      route: { durationS: o.demoSeconds, start: 'stop-sign' },
      video: { width: w, height: h, fps: 30 },
      onFrame: (done, total) => {
        if (!started) {
          bar.start(total, 0, { detail: '' });
          started = true;
        }
        bar.update(done);
      },
    });
    return { dir, manifest: d.manifest };
  } finally {
    bar.stop();
  }
}

/** The demo contributor's wallet: made once, kept in the state folder (never in the repository). */
async function demoWallet(): Promise<Wallet> {
  const p = path.join(stateDir(), 'demo-wallet.key');
  if (existsSync(p)) return new Wallet((await readFile(p, 'utf8')).trim());
  await mkdir(stateDir(), { recursive: true });
  const w = Wallet.createRandom();
  await writeFile(p, w.privateKey, { mode: 0o600 });
  return new Wallet(w.privateKey);
}

/** `start`: the main job, end to end on built-in sample data. */
export function registerStart(program: Command, flags: () => GlobalFlags): void {
  program
    .command('start')
    .description(
      'provision the database, start the upload service and a worker, and send a generated demo drive through it',
    )
    .option('-p, --port <port>', 'port (default MAPMINT_PORT or 8787)', Number)
    .option('--no-demo', 'only start the service')
    .option('--demo-seconds <s>', 'length of the generated drive', Number, 30)
    .option('--demo-size <WxH>', 'video size of the generated drive', '1280x720')
    .option('--seed <n>', 'seed of the generated drive', Number, 1)
    .option('--exit', 'stop after the demo instead of serving on')
    .action(async (o: StartOptions) => {
      log('mapmint: opening the database (provisioning the local cluster on first run) and applying migrations...');
      const rt = await openRuntime();
      const svc = await startService(rt, { port: o.port, worker: true });
      log(`mapmint: serving on ${svc.url} (OpenAPI at ${svc.url}/openapi.json), worker running`);
      let result: Record<string, unknown> = { url: svc.url, database: redact(rt.url) };
      try {
        if (o.demo) {
          const { dir, manifest } = await demoDrive(o);
          const files = manifest.files
            .filter((f) => f.role === 'video' || f.role === 'telemetry')
            .map((f) => path.join(dir, f.path));
          const client = new MapmintClient({ baseUrl: svc.url });
          const wallet = await demoWallet();
          await client.signIn(wallet);
          const bar = progressBar('uploading demo drive', ' KB');
          let started = false;
          const up = await uploadFiles(
            client,
            files,
            {
              device: {
                make: manifest.device?.make ?? 'mapmint',
                model: manifest.device?.model ?? 'demo',
                hfovDeg: manifest.device?.horizontalFovDeg,
                mount: 'windshield',
                mountYawDeg: manifest.device?.mountYawDeg ?? 0,
              },
              startTime: manifest.startTime,
            },
            {
              onProgress: (e) => {
                if (!started) {
                  bar.start(Math.ceil(e.total / 1024), 0, { detail: '' });
                  started = true;
                }
                bar.update(Math.ceil(e.sent / 1024), { detail: e.file });
              },
            },
          ).finally(() => bar.stop());
          const after = await client.waitFor(up.id, (u) => u.status !== 'receiving' && u.status !== 'received', {
            timeoutMs: 120_000,
          });
          log(describeUpload(after));
          result = {
            ...result,
            contributor: wallet.address,
            demoDir: dir,
            upload: { id: after.id, status: after.status, reasons: after.reasons },
          };
        }
      } catch (err) {
        await svc.stop();
        await rt.close();
        throw err;
      }
      emit(flags(), result, () =>
        [
          `mapmint is running at ${svc.url}`,
          result.upload
            ? `demo upload ${(result.upload as { id: string }).id}: ${(result.upload as { status: string }).status}`
            : '',
          o.exit ? '' : 'Press Ctrl-C to stop.',
        ]
          .filter(Boolean)
          .join('\n'),
      );
      if (o.exit) {
        await svc.stop();
        await rt.close();
        return;
      }
      await untilSignal(async () => {
        await svc.stop();
        await rt.close();
      });
    });
}
