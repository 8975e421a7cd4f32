/**
 * Rewards follow imagery, not GPS (issue 18 part 4): through the real pipeline (server, worker, ffmpeg, PostGIS), a
 * road piece earns only where the upload kept frames along it. Before this rule, a plausible track with a 1-second
 * black video booked 25 % of first-coverage pay for every piece the track claimed, and blocked honest drivers'
 * first coverage of them for the freshness window. Also: a signed upload's entries carry no unsigned multiplier, and
 * one device key in two places at once is `device_conflict` whatever camera the manifests declare.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { before, test } from 'node:test';
import type { DemoDrive } from '../../demo/index.ts';
import {
  type DeviceSigner,
  generateDeviceKeys,
  type MapmintClient,
  registerDevice,
  webCryptoDeviceSigner,
} from '../../sdk/index.ts';
import { uploadFiles } from '../../sdk/node.ts';
import { type DemoPipeline, processed, truthTrack, useDemoPipeline } from '../support/demo-pipeline.ts';
import type { TestServer } from '../support/server.ts';

const pipeline = useDemoPipeline();
const redrive: DemoPipeline['redrive'] = (...args) => pipeline.redrive(...args);
let s: TestServer;
let drive: DemoDrive;
let truth: { t: number; lat: number; lon: number }[];
before(async () => {
  await pipeline.ready;
  ({ s, drive } = pipeline);
  truth = await truthTrack(drive);
});
const device = { make: 'mapmint', model: 'demo', hfovDeg: 115, mount: 'windshield' as const };

/** ffmpeg with an argument array (no shell), quiet. */
const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

/** The pieces an upload earned for, each with whether it lies within 30 m of the true route up to `untilMs`. */
async function earnedPieces(uploadId: string, untilMs: number) {
  const before = truth.filter((p) => p.t <= untilMs);
  const line = `LINESTRING(${before.map((p) => `${p.lon} ${p.lat}`).join(',')})`;
  return s.db.sql<{ segment_id: string; near_first_part: boolean; multipliers: Record<string, number> }[]>`
    select l.segment_id, l.multipliers,
      ST_DWithin(r.geom::geography, ST_GeomFromText(${line}, 4326)::geography, 30) as near_first_part
    from ledger_entries l join road_segments r on r.id = l.segment_id where l.upload_id = ${uploadId}`;
}

let signer: DeviceSigner;
let signedClient: MapmintClient;

test('a 1-second black video with a long plausible track books nothing', async () => {
  const black = path.join(s.dir, 'black.mp4');
  ffmpeg([
    ...['-f', 'lavfi', '-i', 'color=c=black:s=320x180:r=10', '-t', '1'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-metadata', `creation_time=${new Date(truth[0]!.t).toISOString()}`],
    black,
  ]);
  const { client } = await s.client();
  const up = await uploadFiles(client, [black, drive.paths.gpx], { device });
  const u = await processed(client, up.id);
  assert.notEqual(u.status, 'failed', JSON.stringify(u.failure));
  const [cov] = await s.db.sql`select count(*)::int as n from coverage where upload_id = ${up.id} and counted`;
  const [l] = await s.db.sql`select count(*)::int as n from ledger_entries where upload_id = ${up.id}`;
  // The track alone covers the roads (or the upload was quarantined); either way no piece earns.
  if (u.status === 'done') assert.ok(cov!.n > 3, `the track covered ${cov!.n} pieces`);
  assert.equal(l!.n, 0, `booked ${l!.n} of ${cov!.n} pieces with no usable frames`);
});

test('a drive with imagery on only its first half books only the pieces along that half, unblocked by the black upload', async () => {
  const half = path.join(s.dir, 'first-half.mp4');
  ffmpeg(['-i', drive.paths.video!, '-t', '30', '-c', 'copy', '-map_metadata', '0', half]);
  const { client } = await s.client();
  signer = await webCryptoDeviceSigner(await generateDeviceKeys());
  await registerDevice(client, signer, 'test dashcam');
  signedClient = client;
  const up = await uploadFiles(client, [half, await redrive('half.csv', 7)], { device }, { signer });
  assert.equal(up.signedBy, signer.publicKey);
  const u = await processed(client, up.id);
  assert.equal(u.status, 'done', JSON.stringify(u.reasons));
  const [cov] = await s.db.sql`select count(*)::int as n from coverage where upload_id = ${up.id} and counted`;
  const earned = await earnedPieces(up.id, truth[0]!.t + 30_000);
  assert.ok(earned.length > 0, 'the half with imagery earns (a track without frames blocks no one)');
  assert.ok(earned.length < cov!.n, `earned ${earned.length} of ${cov!.n} covered pieces`);
  const far = earned.filter((e) => !e.near_first_part).map((e) => e.segment_id);
  assert.deepEqual(far, [], 'no piece away from the filmed half earns');
  // Signed by a registered key: no unsigned multiplier; every factor is written down.
  for (const e of earned) {
    assert.deepEqual(Object.keys(e.multipliers).sort(), ['demand', 'quality', 'reputation', 'rule']);
    assert.ok(e.multipliers.quality! > 0 && e.multipliers.quality! <= 1);
  }
});

test('one device key in two places at once is device_conflict, whatever camera the manifests declare', async () => {
  const elsewhere = await redrive('elsewhere.csv', 8, { bearing: 45, m: 5000 });
  const otherCamera = { make: 'Other', model: 'Camera', hfovDeg: 90 };
  const up = await uploadFiles(signedClient, [drive.paths.video!, elsewhere], { device: otherCamera }, { signer });
  const u = await processed(signedClient, up.id);
  assert.equal(u.status, 'quarantined', JSON.stringify(u.reasons));
  assert.ok(
    u.reasons.some((r) => r.code === 'device_conflict'),
    JSON.stringify(u.reasons.map((r) => r.code)),
  );
});
