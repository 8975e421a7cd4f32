/**
 * The demo run of `mapmint start`: generate a drive, import its town's roads, upload it, wait for the pipeline,
 * close the epoch, publish and claim on a local chain, and bring the tiles up to date.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Sql, stateDir } from '../../db/index.ts';
import { type DemoManifest, generateDrive } from '../../demo/index.ts';
import { countUploadFeatures, FUSION_STEP } from '../../fusion/index.ts';
import { countFrames, uploadFrames } from '../../ingest/index.ts';
import { closeEpoch, rewardConfigFromEnv, uploadEarnings } from '../../rewards/index.ts';
import { importRoads } from '../../roads/index.ts';
import { MapmintClient } from '../../sdk/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { stepFinished } from '../../uploads/index.ts';
import { countDetections } from '../../vision/index.ts';
import type { Runtime } from '../../worker/index.ts';
import { log, progressBar } from '../output.ts';
import { localWallet } from '../wallet.ts';
import { demoPayout } from './demo-payout.ts';
import { demoTiles } from './demo-tiles.ts';
import { describeUpload } from './uploads.ts';

/** Which demo drive to make. */
export interface DemoOptions {
  demoSeconds: number;
  demoSize: string;
  seed: number;
}

type Upload = Awaited<ReturnType<MapmintClient['waitFor']>>;

/**
 * Sends a generated drive through the running service and returns what the demo did. A local chain started for the
 * payout is handed to `open.closeChain` as soon as it runs, so the caller can stop it even if a later step fails.
 */
export async function runDemo(
  rt: Runtime,
  serverUrl: string,
  o: DemoOptions,
  open: { closeChain?: (() => Promise<void>) | undefined },
): Promise<Record<string, unknown>> {
  const { dir, manifest } = await demoDrive(o);
  log("mapmint: importing the demo town's roads (OpenStreetMap PBF) into PostGIS...");
  const roads = await importRoads(rt.sql, path.join(dir, 'roads.osm.pbf'), { region: 'demo' });
  const client = new MapmintClient({ baseUrl: serverUrl });
  const wallet = await localWallet();
  await client.signIn(wallet);
  const after = await uploadDemo(client, dir, manifest);
  const frames = await countFrames(rt.sql, after.id);
  log(describeUpload(after));
  const booked = await waitForPipeline(rt.sql, after);
  const frameIds = (await uploadFrames(rt.sql, after.id)).map((f) => f.id);
  const seen = {
    detections: await countDetections(rt.sql, frameIds),
    features: await countUploadFeatures(rt.sql, after.id),
  };
  const epoch = booked
    ? await closeEpoch(rt.sql, rewardConfigFromEnv(), { outDir: path.join(stateDir(), 'epochs') })
    : null;
  const payout = epoch?.root ? await demoPayout(rt.sql, client, wallet, epoch.epoch) : undefined;
  open.closeChain = payout?.close;
  const tiles = await demoTiles(rt.sql, serverUrl);
  const mine = await uploadEarnings(rt.sql, after.id);
  return {
    contributor: wallet.address,
    demoDir: dir,
    upload: {
      id: after.id,
      status: after.status,
      reasons: after.reasons,
      validation: after.validation?.verdict,
      frames,
      detections: seen.detections,
      features: seen.features,
      novelPieces: mine.pieces,
      rewardWei: mine.wei,
    },
    roads: { region: roads.region, pieces: roads.pieces, lengthM: Math.round(roads.lengthM) },
    epoch,
    tiles,
    payout: payout
      ? { chain: payout.chain, published: payout.published, claim: payout.claim, balanceWei: payout.balanceWei }
      : null,
  };
}

/** Makes (or reuses) the demo drive for a seed and size. */
async function demoDrive(o: DemoOptions): Promise<{ dir: string; manifest: DemoManifest }> {
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

/** Uploads the drive's video and telemetry with a progress bar and waits until the pipeline is done, quarantined or failed. */
async function uploadDemo(client: MapmintClient, dir: string, manifest: DemoManifest): Promise<Upload> {
  const files = manifest.files
    .filter((f) => f.role === 'video' || f.role === 'telemetry')
    .map((f) => path.join(dir, f.path));
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
  return client.waitFor(up.id, (u) => ['done', 'quarantined', 'failed'].includes(u.status), {
    timeoutMs: 1_500_000,
  });
}

/** Waits for the rewards booking and for detection and fusion of an accepted upload; true when it was booked. */
async function waitForPipeline(sql: Sql, after: Upload): Promise<boolean> {
  const booked = after.status === 'done' ? await waitForStep(sql, after.id, 'rewards.book') : false;
  if (after.status === 'done') {
    log('mapmint: waiting for detection (vision.detect) and fusion (fusion.update) of the sampled frames...');
    const fused = await waitForStep(sql, after.id, FUSION_STEP, 900_000);
    if (!fused) log('mapmint: fusion did not finish within 15 minutes; the tiles will show what is there so far');
  }
  return booked;
}

/** Polls until a step of an upload has finished (its step_runs row exists). */
async function waitForStep(sql: Sql, uploadId: string, step: string, timeoutMs = 300_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await stepFinished(sql, uploadId, step)) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}
