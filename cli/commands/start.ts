import path from 'node:path';
import type { Command } from 'commander';
import { stateDir } from '../../db/index.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags, log } from '../output.ts';
import { runDemo } from './demo-run.ts';
import { startService, untilSignal } from './service.ts';
import { redact } from './system.ts';

/** Options of `mapmint start`. */
interface StartOptions {
  port?: number;
  demo: boolean;
  demoSeconds: number;
  demoSize: string;
  seed: number;
  exit?: boolean;
}

/** Tokens (18 decimals) as a decimal string with up to 6 fraction digits. */
function tokens(wei: string): string {
  return (Number(BigInt(wei) / 10n ** 12n) / 1e6).toString();
}

/** The human lines describing the demo run. */
function demoSummary(r: Record<string, unknown>): string[] {
  const u = r.upload as
    | {
        id: string;
        status: string;
        frames: number;
        detections: number;
        features: number;
        novelPieces: number;
        rewardWei: string;
      }
    | undefined;
  const e = r.epoch as {
    epoch: number;
    root: string | null;
    totalCumulativeWei: string;
    contributors: number;
    proofsFile: string | null;
  } | null;
  const roads = r.roads as { pieces: number; lengthM: number } | undefined;
  const t = r.tiles as
    | { archive: string | null; pmtilesUrl: string; mapUrl: string; segments: number; features: number }
    | undefined;
  const p = r.payout as
    | {
        chain: { rpcUrl: string };
        claim:
          | { status: 'claimed'; amountWei: string; txHash: string }
          | { status: 'nothing-to-claim'; reason: string };
        balanceWei: string;
      }
    | null
    | undefined;
  if (!u) return [];
  return [
    roads ? `road network: ${roads.pieces} pieces, ${(roads.lengthM / 1000).toFixed(1)} km` : '',
    `demo upload ${u.id}: ${u.status}, ${u.frames} frames, ${u.detections} detections fused into ${u.features} map features, ${u.novelPieces} novel road pieces, ${tokens(u.rewardWei)} MAP`,
    e
      ? `epoch ${e.epoch} closed: ${e.contributors} contributor(s), ${tokens(e.totalCumulativeWei)} MAP cumulative, root ${e.root}`
      : '',
    e?.proofsFile ? `claim proofs: ${e.proofsFile}` : '',
    t?.archive
      ? `tiles: ${t.archive} (${t.segments} road segments, ${t.features} map features), served at ${t.pmtilesUrl}`
      : '',
    t ? `map: ${t.mapUrl}` : '',
    t
      ? `review: ${t.mapUrl}review (open to any signed-in wallet in this demo: use a browser wallet or a local development key)`
      : '',
    t
      ? `driver pages: ${t.mapUrl}driver (sign in with the demo driver's key: paste the contents of ${path.join(stateDir(), 'demo-wallet.key')})`
      : '',
    p
      ? p.claim.status === 'claimed'
        ? `root published on the local chain (${p.chain.rpcUrl}); the demo contributor claimed ${tokens(p.claim.amountWei)} MAP (tx ${p.claim.txHash}), balance ${tokens(p.balanceWei)} MAP`
        : `root published on the local chain (${p.chain.rpcUrl}); claim: ${p.claim.reason}`
      : '',
  ];
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
    .action(async (o: StartOptions) => runStart(o, flags()));
}

/** Starts the service and a worker, runs the demo through it, prints what happened, and serves until a signal. */
async function runStart(o: StartOptions, f: GlobalFlags): Promise<void> {
  log('mapmint: opening the database (provisioning the local cluster on first run) and applying migrations...');
  const rt = await openRuntime();
  // The local demo has one wallet and no operator: every signed-in wallet may try the QA reviewer app.
  const svc = await startService(rt, { port: o.port, worker: true, openReview: o.demo });
  log(`mapmint: serving on ${svc.url} (OpenAPI at ${svc.url}/openapi.json), worker running`);
  let result: Record<string, unknown> = { url: svc.url, database: redact(rt.url) };
  const open: { closeChain?: (() => Promise<void>) | undefined } = {};
  const stop = async (): Promise<void> => {
    await open.closeChain?.();
    await svc.stop();
    await rt.close();
  };
  try {
    if (o.demo) result = { ...result, ...(await runDemo(rt, svc.url, o, open)) };
  } catch (err) {
    await stop();
    throw err;
  }
  emit(f, result, () =>
    [`mapmint is running at ${svc.url}`, ...demoSummary(result), o.exit ? '' : 'Press Ctrl-C to stop.']
      .filter(Boolean)
      .join('\n'),
  );
  if (o.exit) {
    await stop();
    return;
  }
  await untilSignal(stop);
}
