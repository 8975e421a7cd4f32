import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { destination } from '../../core/geo.ts';
import type { Track } from '../../core/track.ts';
import { readTrack } from '../../ingest/telemetry/index.ts';
import type { MapmintClient, UploadView } from '../../sdk/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { startWorker } from '../../worker/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SMALL_DRIVE_DEVICE, smallDrive } from '../support/small-drive.ts';

let s: TestServer;
let worker: { stop(): Promise<void> };
let video: string;
let gpx: string;
let track: Track;
const device = SMALL_DRIVE_DEVICE;

before(async () => {
  s = await startTestServer();
  worker = await startWorker({ sql: s.db.sql, blobs: s.blobs, queue: s.queue });
  const d = await smallDrive(s.dir, 5);
  video = d.paths.video!;
  gpx = d.paths.gpx;
  track = await readTrack({ path: gpx });
});
after(async () => {
  await worker.stop();
  await s.close();
});

const finished = (u: UploadView) => u.status === 'done' || u.status === 'quarantined';

/** Writes a CSV sidecar (time, lat, lon) for a track. */
async function csv(name: string, points: Track['points']): Promise<string> {
  const p = path.join(s.dir, name);
  await writeFile(
    p,
    `time,lat,lon\n${points.map((q) => `${new Date(q.t).toISOString()},${q.lat},${q.lon}`).join('\n')}\n`,
  );
  return p;
}

async function run(client: MapmintClient, files: string[]): Promise<UploadView> {
  const up = await uploadFiles(client, files, { device });
  return client.waitFor(up.id, finished, { timeoutMs: 120_000, intervalMs: 200 });
}

let firstUploadId = '';

test('a generated drive goes through every ingest job: validated, stored track, sampled frames in PostGIS, done', async () => {
  const { client } = await s.client();
  const u = await run(client, [video, gpx]);
  assert.equal(u.status, 'done', JSON.stringify(u.reasons));
  firstUploadId = u.id;
  assert.equal(u.validation?.verdict, 'accepted');
  assert.deepEqual(
    u.events.map((e) => e.to),
    ['receiving', 'received', 'validating', 'processing', 'done'],
  );
  assert.ok(u.progress['ingest.sample'], 'sampling progress is reported');
  // `done` is the last step's: every step of the job graph finished first, each with what it did.
  assert.deepEqual(
    u.steps.filter((s) => s.state !== 'done').map((s) => s.step),
    [],
  );
  assert.equal(u.events.at(-1)?.step, 'tiler.update');
  assert.ok(typeof u.steps.find((s) => s.step === 'ingest.sample')?.output?.frames === 'number');
  const [t] = await s.db
    .sql`select ST_GeometryType(geom) as type, ST_SRID(geom) as srid, point_count, length_m, segments
                             from tracks where upload_id = ${u.id}`;
  assert.equal(t!.type, 'ST_LineString');
  assert.equal(t!.srid, 4326);
  assert.ok(t!.length_m > 100);
  const frames = await s.db
    .sql`select idx, ST_X(geom) as lon, ST_Y(geom) as lat, blob_key from frames where upload_id = ${u.id} order by idx`;
  assert.ok(frames.length >= 5, `${frames.length} frames`);
  for (const f of frames.slice(0, 3)) {
    const jpeg = await s.blobs.getBuffer(f.blob_key);
    assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.ok(Math.abs(f.lat - track.points[0]!.lat) < 0.01 && Math.abs(f.lon - track.points[0]!.lon) < 0.01);
  }
  const steps = await s.db.sql`select step from step_runs where upload_id = ${u.id} order by step`;
  const names = steps.map((r) => r.step as string);
  for (const step of ['upload.received', 'ingest.validate', 'ingest.sample']) assert.ok(names.includes(step), step);
  // Sampling hands the frames to detection: the vision job runs the real models over every stored frame.
  const deadline = Date.now() + 120_000;
  let vision: { output: { frames: number; detections: number } } | undefined;
  while (!vision && Date.now() < deadline) {
    [vision] = await s.db.sql<{ output: { frames: number; detections: number } }[]>`
      select output from step_runs where upload_id = ${u.id} and step like 'vision.detect:%'`;
    if (!vision) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(vision, 'vision.detect ran');
  assert.equal(vision.output.frames, frames.length);
  const [d] = await s.db
    .sql`select count(*)::int as n from detections d join frames f on f.id = d.frame_id where f.upload_id = ${u.id}`;
  assert.equal(d!.n, vision.output.detections);
  // Detection hands over to fusion: every detection becomes an observation of a map feature near the drive.
  let fused: { output: { observations: number; created: number } } | undefined;
  while (!fused && Date.now() < deadline) {
    [fused] = await s.db.sql<{ output: { observations: number; created: number } }[]>`
      select output from step_runs where upload_id = ${u.id} and step = 'fusion.update'`;
    if (!fused) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(fused, 'fusion.update ran');
  const [o] = await s.db.sql`select count(*)::int as n, count(distinct feature_id)::int as features
    from feature_observations where upload_id = ${u.id}`;
  // Observations that no tracklet kept (a lone, weak sighting) support nothing; the rest each support one feature.
  assert.ok(o!.n > 0 && o!.n <= fused.output.observations, JSON.stringify(fused.output));
  assert.equal(o!.features, fused.output.created, JSON.stringify(fused.output));
});

test('the same drive with a re-timed, jittered track from another contributor is quarantined as a replay', async () => {
  assert.ok(firstUploadId, 'needs the first test');
  const { client } = await s.client();
  let n = 0;
  const jittered = track.points.map((p) => {
    n++;
    const j = ((n * 7919) % 11) / 11 - 0.5; // deterministic jitter of at most 0.5 m
    return { ...p, lat: p.lat + (j * 0.5) / 111_320, lon: p.lon - (j * 0.5) / 75_000 };
  });
  const u = await run(client, [video, await csv('replay.csv', jittered)]);
  assert.equal(u.status, 'quarantined');
  const replay = u.reasons.find((r) => r.code === 'replay') as { details?: { originalUploadId?: string } } | undefined;
  assert.ok(replay, JSON.stringify(u.reasons));
  assert.equal(replay.details?.originalUploadId, firstUploadId);
  const [frames] = await s.db.sql`select count(*)::int as n from frames where upload_id = ${u.id}`;
  assert.equal(frames!.n, 0, 'a quarantined upload gets no frames');
});

test('a spoofed track (straight line, constant speed) is quarantined with a reason, and kept', async () => {
  const { client } = await s.client();
  // 12 m/s due east from the real start, one fix per real fix time: the classic simulator track.
  const a = track.points[0]!;
  const spoof = track.points.map((p) => {
    const [lat, lon] = destination(a.lat, a.lon, 90, ((p.t - a.t) / 1000) * 12);
    return { t: p.t, lat, lon };
  });
  const u = await run(client, [video, await csv('spoof.csv', spoof)]);
  assert.equal(u.status, 'quarantined');
  assert.ok(
    u.reasons.some((r) => r.code === 'too_perfect'),
    JSON.stringify(u.reasons.map((r) => r.code)),
  );
  assert.equal(u.validation?.verdict, 'rejected');
  assert.ok(
    u.files.every((f) => f.status === 'received'),
    'the files are kept',
  );
});

test('a corrupt video and a malformed track are quarantined with what failed, never dropped', async () => {
  const { client } = await s.client();
  const broken = path.join(s.dir, 'broken.mp4');
  await writeFile(
    broken,
    Buffer.concat([Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]), randomBytes(5000)]),
  );
  const u1 = await run(client, [broken, gpx]);
  assert.equal(u1.status, 'quarantined');
  assert.equal(u1.reasons[0]?.code, 'video_corrupt', JSON.stringify(u1.reasons));
  const badGpx = path.join(s.dir, 'bad.gpx');
  await writeFile(badGpx, '<?xml version="1.0"?><gpx><trk><trkseg><trkpt lat="x" lon="8.5"><time>nope</time></trkpt>');
  const u2 = await run(client, [video, badGpx]);
  assert.equal(u2.status, 'quarantined');
  assert.match(u2.reasons[0]?.code ?? '', /^gpx_/);
  assert.match(u2.reasons[0]?.message ?? '', /bad\.gpx/, 'the reason names the file that failed');
});
