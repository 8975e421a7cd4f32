/**
 * The motion check inside the real `ingest.validate` job (real PostgreSQL, real ffmpeg): a video whose clock is
 * wrong is re-placed by its motion and the clock flagged; a still or black video over a moving track is quarantined
 * as `motion_mismatch` before anything is stored (no track row, so nothing is sampled or booked); a manual time
 * offset wins over the motion.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { UploadManifest } from '../../api/index.ts';
import type { DemoDrive } from '../../demo/index.ts';
import { generateDrive } from '../../demo/index.ts';
import { type StoredReport, validateUpload, verifyUpload } from '../../ingest/index.ts';
import { readTrack } from '../../ingest/telemetry/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SMALL_DRIVE_DEVICE } from '../support/small-drive.ts';

let s: TestServer;
let drive: DemoDrive;
let truthMs = 0;
before(async () => {
  s = await startTestServer();
  drive = await generateDrive({
    outDir: path.join(s.dir, 'drive'),
    seed: 23,
    pbf: false,
    route: { durationS: 40, start: 'stop-sign' },
    gps: { rateHz: 5 },
    video: { width: 320, height: 180, fps: 15, groundTexture: true },
  });
  truthMs = Date.parse(drive.manifest.startTime);
});
after(async () => {
  await s.close();
});

const ctx = () => ({ sql: s.db.sql, blobs: s.blobs, queue: s.queue });

/** Runs ffmpeg with `args` (argument array, no shell) and fails the test on error. */
function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** The drive's video with its creation_time stamped `shiftS` seconds off the truth (stream copy). */
function restamped(shiftS: number): string {
  const out = path.join(s.dir, `restamped${shiftS}.mp4`);
  const stamp = new Date(truthMs + shiftS * 1000).toISOString();
  ffmpeg(['-i', drive.paths.video!, '-c', 'copy', '-metadata', `creation_time=${stamp}`, out]);
  return out;
}

/**
 * The drive's track moved `dLat` degrees north (CSV with the demo's columns, speed and course kept): the same motion
 * somewhere else, so the replay check does not refuse it as a copy of the first upload.
 */
async function movedTrack(dLat: number): Promise<string> {
  const lines = (await readFile(drive.paths.csv, 'utf8')).trim().split('\n');
  const out = lines.map((l, i) => {
    if (i === 0) return l;
    const f = l.split(',');
    f[1] = (Number(f[1]) + dLat).toFixed(7);
    return f.join(',');
  });
  const file = path.join(s.dir, `moved${dLat}.csv`);
  await writeFile(file, `${out.join('\n')}\n`);
  return file;
}

/** Uploads the files, then runs the verify and validate jobs; returns the upload's status and stored report. */
async function validate(files: string[], manifest: Partial<UploadManifest> = {}) {
  const { client } = await s.client();
  const up = await uploadFiles(client, files, { device: SMALL_DRIVE_DEVICE, ...manifest });
  await verifyUpload(ctx(), up.id);
  await validateUpload(ctx(), up.id);
  const [row] = await s.db.sql<{ status: string; validation: StoredReport; reasons: { code: string }[] | null }[]>`
    select status, validation, reasons from uploads where id = ${up.id}`;
  const [tracks] = await s.db.sql<{ n: number }[]>`select count(*)::int as n from tracks where upload_id = ${up.id}`;
  return { id: up.id, ...row!, tracks: tracks!.n };
}

test('a creation_time 6 s off is re-placed by the motion within 100 ms, and the clock is flagged', async () => {
  const r = await validate([restamped(6), drive.paths.gpx]);
  assert.equal(r.status, 'processing', JSON.stringify(r.validation.reasons));
  const v = r.validation.videos[0]!;
  assert.equal(v.alignedBy, 'motion');
  assert.ok(Math.abs(Date.parse(v.t0) - truthMs) <= 100, `t0 ${v.t0}, truth ${new Date(truthMs).toISOString()}`);
  assert.ok(v.motion && v.motion.confidence >= 0.5 && v.motion.clock === 'creation_time', JSON.stringify(v.motion));
  const flag = r.validation.reasons.find((f) => f.code === 'clock_disagrees_with_motion');
  assert.ok(flag, 'the wrong clock is flagged');
  assert.equal(flag.severity, 'warn');
  assert.ok(Math.abs(Number(flag.details?.motionOffsetMs) + 6000) <= 100, JSON.stringify(flag.details));
});

test('a video with no clock at all (a 24 s cut of the drive with a stop, no creation_time) is placed by its motion', async () => {
  // Re-encoded from 6 s on: the cut's t = 0 is the drive's 6 s exactly; -map_metadata -1 drops creation_time.
  const cut = path.join(s.dir, 'cut.mp4');
  ffmpeg([
    ...['-ss', '6', '-i', drive.paths.video!, '-t', '24', '-map_metadata', '-1'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', cut],
  ]);
  const r = await validate([cut, await movedTrack(0.1)]);
  assert.equal(r.status, 'processing', JSON.stringify(r.validation.reasons));
  const v = r.validation.videos[0]!;
  assert.equal(v.alignedBy, 'motion');
  assert.equal(v.motion?.clock, 'unplaced');
  const truth = truthMs + 6000;
  assert.ok(Math.abs(Date.parse(v.t0) - truth) <= 100, `t0 ${v.t0}, truth ${new Date(truth).toISOString()}`);
});

test('a manual time offset wins over the motion: no motion check, the offset places the video', async () => {
  const r = await validate([restamped(7), await movedTrack(0.02)], { timeOffsetMs: 2500 });
  assert.equal(r.status, 'processing', JSON.stringify(r.validation.reasons));
  const v = r.validation.videos[0]!;
  assert.equal(v.alignedBy, 'manifest_offset');
  assert.equal(v.motion, undefined);
  const firstFix = (await readTrack({ path: drive.paths.csv })).points[0]!.t;
  assert.equal(Date.parse(v.t0), firstFix + 2500);
});

test('a still video over the moving track is quarantined as motion_mismatch before anything is stored', async () => {
  // One frame of the drive held for 40 s, with a camera's sensor noise: textured, but nothing moves.
  const still = path.join(s.dir, 'still.mp4');
  ffmpeg(['-ss', '5', '-i', drive.paths.video!, '-frames:v', '1', path.join(s.dir, 'still.png')]);
  ffmpeg([
    ...['-loop', '1', '-framerate', '15', '-t', '40', '-i', path.join(s.dir, 'still.png')],
    ...['-vf', 'noise=alls=4:allf=t,format=yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast'],
    ...['-metadata', `creation_time=${new Date(truthMs).toISOString()}`, still],
  ]);
  const r = await validate([still, await movedTrack(0.04)]);
  assert.equal(r.status, 'quarantined');
  assert.ok(
    r.reasons?.some((x) => x.code === 'motion_mismatch'),
    JSON.stringify(r.reasons),
  );
  const f = r.validation.reasons.find((x) => x.code === 'motion_mismatch');
  assert.equal(f?.details?.why, 'still_video');
  assert.equal(r.tracks, 0, 'no track stored: nothing is sampled or booked');
});

test('a black video over the moving track is quarantined as motion_mismatch', async () => {
  const black = path.join(s.dir, 'black.mp4');
  ffmpeg([
    ...['-f', 'lavfi', '-i', 'color=c=black:s=320x180:r=15:d=40'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    ...['-metadata', `creation_time=${new Date(truthMs).toISOString()}`, black],
  ]);
  const r = await validate([black, await movedTrack(0.06)]);
  assert.equal(r.status, 'quarantined');
  assert.deepEqual(
    r.reasons?.map((x) => x.code),
    ['motion_mismatch'],
  );
  assert.equal(r.validation.reasons.find((x) => x.code === 'motion_mismatch')?.details?.why, 'black_video');
  assert.equal(r.tracks, 0);
});

test('the drive as generated (right clock): the motion confirms its clock, no flag, no mismatch', async () => {
  const r = await validate([drive.paths.video!, await movedTrack(0.08)]);
  assert.equal(r.status, 'processing', JSON.stringify(r.validation.reasons));
  const v = r.validation.videos[0]!;
  assert.equal(v.alignedBy, 'motion');
  assert.ok(Math.abs(v.motion?.offsetMs ?? Number.NaN) <= 100, JSON.stringify(v.motion));
  assert.equal(
    r.validation.reasons.some((f) => f.code === 'clock_disagrees_with_motion' || f.code === 'motion_mismatch'),
    false,
  );
});
