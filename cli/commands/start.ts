import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { type Sql, stateDir } from '../../db/index.ts';
import { type DemoManifest, generateDrive } from '../../demo/index.ts';
import { FUSION_STEP } from '../../fusion/index.ts';
import { closeEpoch, rewardConfigFromEnv } from '../../rewards/index.ts';
import { importRoads } from '../../roads/index.ts';
import { MapmintClient } from '../../sdk/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { openRuntime } from '../../worker/index.ts';
import { emit, type GlobalFlags, log, progressBar } from '../output.ts';
import { localWallet } from '../wallet.ts';
import { demoPayout } from './demo-payout.ts';
import { demoTiles } from './demo-tiles.ts';
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

/** Polls until a step of an upload has finished (its step_runs row exists). */
async function waitForStep(sql: Sql, uploadId: string, step: string, timeoutMs = 300_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const rows = await sql`select 1 from step_runs where upload_id = ${uploadId} and step = ${step}`;
    if (rows.length > 0) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
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
      // The local demo has one wallet and no operator: every signed-in wallet may try the QA reviewer app.
      const svc = await startService(rt, { port: o.port, worker: true, openReview: o.demo });
      log(`mapmint: serving on ${svc.url} (OpenAPI at ${svc.url}/openapi.json), worker running`);
      let result: Record<string, unknown> = { url: svc.url, database: redact(rt.url) };
      let closeChain: (() => Promise<void>) | undefined;
      try {
        if (o.demo) {
          const { dir, manifest } = await demoDrive(o);
          const files = manifest.files
            .filter((f) => f.role === 'video' || f.role === 'telemetry')
            .map((f) => path.join(dir, f.path));
          log("mapmint: importing the demo town's roads (OpenStreetMap PBF) into PostGIS...");
          const roads = await importRoads(rt.sql, path.join(dir, 'roads.osm.pbf'), { region: 'demo' });
          const client = new MapmintClient({ baseUrl: svc.url });
          const wallet = await localWallet();
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
          // done comes after the last step (detection, fusion, booking and tiles included), so wait as long as those.
          const after = await client.waitFor(up.id, (u) => ['done', 'quarantined', 'failed'].includes(u.status), {
            timeoutMs: 1_500_000,
          });
          const [frames] = await rt.sql<
            { n: number }[]
          >`select count(*)::int as n from frames where upload_id = ${after.id}`;
          log(describeUpload(after));
          const booked = after.status === 'done' ? await waitForStep(rt.sql, after.id, 'rewards.book') : false;
          if (after.status === 'done') {
            log('mapmint: waiting for detection (vision.detect) and fusion (fusion.update) of the sampled frames...');
            const fused = await waitForStep(rt.sql, after.id, FUSION_STEP, 900_000);
            if (!fused)
              log('mapmint: fusion did not finish within 15 minutes; the tiles will show what is there so far');
          }
          const [seen] = await rt.sql<{ detections: number; features: number }[]>`
            select (select count(*)::int from detections d join frames f on f.id = d.frame_id where f.upload_id = ${after.id}) as detections,
                   (select count(distinct feature_id)::int from feature_observations where upload_id = ${after.id}) as features`;
          const epoch = booked
            ? await closeEpoch(rt.sql, rewardConfigFromEnv(), { outDir: path.join(stateDir(), 'epochs') })
            : null;
          const payout = epoch?.root ? await demoPayout(rt.sql, client, wallet, epoch.epoch) : undefined;
          closeChain = payout?.close;
          const tiles = await demoTiles(rt.sql, svc.url);
          const [mine] = await rt.sql<{ pieces: number; wei: string }[]>`
            select count(*)::int as pieces, coalesce(sum(amount), 0)::text as wei from ledger_entries where upload_id = ${after.id}`;
          result = {
            ...result,
            contributor: wallet.address,
            demoDir: dir,
            upload: {
              id: after.id,
              status: after.status,
              reasons: after.reasons,
              validation: after.validation?.verdict,
              frames: frames?.n ?? 0,
              detections: seen?.detections ?? 0,
              features: seen?.features ?? 0,
              novelPieces: mine?.pieces ?? 0,
              rewardWei: mine?.wei ?? '0',
            },
            roads: { region: roads.region, pieces: roads.pieces, lengthM: Math.round(roads.lengthM) },
            epoch,
            tiles,
            payout: payout
              ? { chain: payout.chain, published: payout.published, claim: payout.claim, balanceWei: payout.balanceWei }
              : null,
          };
        }
      } catch (err) {
        await closeChain?.();
        await svc.stop();
        await rt.close();
        throw err;
      }
      emit(flags(), result, () =>
        [`mapmint is running at ${svc.url}`, ...demoSummary(result), o.exit ? '' : 'Press Ctrl-C to stop.']
          .filter(Boolean)
          .join('\n'),
      );
      if (o.exit) {
        await closeChain?.();
        await svc.stop();
        await rt.close();
        return;
      }
      await untilSignal(async () => {
        await closeChain?.();
        await svc.stop();
        await rt.close();
      });
    });
}
