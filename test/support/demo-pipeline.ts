/**
 * The pipeline tests of rewards: a real server and worker over a generated 60-second demo drive with its roads
 * imported, a wait for an upload to leave the pipeline, and second drives of the route (fresh GPS noise, optionally
 * moved away) as CSV tracks.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { destination } from '../../core/geo.ts';
import { type DemoDrive, generateDrive } from '../../demo/index.ts';
import { importRoads } from '../../roads/index.ts';
import type { MapmintClient, UploadView } from '../../sdk/index.ts';
import { startWorker } from '../../worker/index.ts';
import { mulberry32 } from './prng.ts';
import { startTestServer, type TestServer } from './server.ts';

/** The running server, its drive, and `redrive(name, seed, shift?)` writing a second drive into the test's folder. */
export interface DemoPipeline {
  s: TestServer;
  drive: DemoDrive;
  redrive(name: string, seed: number, shift?: { bearing: number; m: number }): Promise<string>;
  /** Settles when the `before` hook has finished: a test file's own root hooks may run alongside it, not after. */
  ready: Promise<void>;
}

/**
 * Registers before/after hooks that start the server and a worker, generate the drive (seed 11, 60 s, 320x180 at
 * 10 fps) and import its roads, then stop and remove everything. The box is filled in once `ready` settles.
 */
export function useDemoPipeline(): DemoPipeline {
  const box = {} as DemoPipeline;
  let worker: { stop(): Promise<void> } | undefined;
  let settle!: (err?: unknown) => void;
  box.ready = new Promise((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  box.ready.catch(() => {});
  before(async () => {
    await start().then(
      () => settle(),
      (err: unknown) => {
        settle(err);
        throw err;
      },
    );
  });
  async function start() {
    box.s = await startTestServer();
    worker = await startWorker({ sql: box.s.db.sql, blobs: box.s.blobs, queue: box.s.queue });
    box.drive = await generateDrive({
      outDir: path.join(box.s.dir, 'drive'),
      seed: 11,
      route: { durationS: 60 },
      gps: { whiteSigmaM: 1, biasSigmaM: 3 },
      video: { width: 320, height: 180, fps: 10 },
    });
    await importRoads(box.s.db.sql, box.drive.paths.pbf!, { region: 'demo' });
  }
  after(async () => {
    await worker?.stop();
    await box.s?.close();
  });
  box.redrive = (name, seed, shift) => redrive(box.drive, path.join(box.s.dir, name), seed, shift);
  return box;
}

/** Waits until the upload has left the pipeline: done (booked, among every other step), quarantined or failed. */
export function processed(client: MapmintClient, id: string): Promise<UploadView> {
  return client.waitFor(id, (u) => ['done', 'quarantined', 'failed'].includes(u.status), {
    timeoutMs: 300_000,
    intervalMs: 250,
  });
}

/** The true track of a generated drive (the truth document's), in time order. */
export async function truthTrack(drive: DemoDrive): Promise<{ t: number; lat: number; lon: number }[]> {
  return (JSON.parse(await readFile(drive.paths.truth, 'utf8')) as { track: { t: number; lat: number; lon: number }[] })
    .track;
}

/**
 * A GPX-free track file in `dir`: the true track with fresh, independent noise (a second drive, not a copy),
 * optionally moved `shift.m` metres towards `shift.bearing`.
 */
export async function redrive(
  drive: DemoDrive,
  file: string,
  seed: number,
  shift?: { bearing: number; m: number },
): Promise<string> {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const rows = (await truthTrack(drive)).map((p) => {
    let [lat, lon] = [p.lat + (gauss() * 3) / 111_320, p.lon + (gauss() * 3) / 75_000];
    if (shift) [lat, lon] = destination(lat, lon, shift.bearing, shift.m);
    return `${new Date(p.t).toISOString()},${lat},${lon}`;
  });
  await writeFile(file, `time,lat,lon\n${rows.join('\n')}\n`);
  return path.resolve(file);
}
