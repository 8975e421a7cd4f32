/**
 * `mapmint upload DIR` on an SD-card-like folder: a real GoPro clip (GPMF GPS) with its thumbnail and proxy, dashcam
 * clips with GPX sidecars in Normal/, a clip dated only by creation_time in Event/, hidden files and an orphan
 * sidecar. The grouping is checked dry, then two drives are uploaded to the real server, one upload each.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { generateDrive } from '../../demo/index.ts';
import { transition } from '../../uploads/index.ts';
import { runCli } from '../support/cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sharedFile } from '../support/shared-data.ts';

let s: TestServer;
let dir: string;
let card: string;

/** A generated 20 s drive starting at `startTime`: its video and GPX, copied under the card as `<name>.MP4/.gpx`. */
async function dashcamClip(startTime: string, seed: number, into: string, name: string, gpx = true): Promise<void> {
  const d = await generateDrive({
    outDir: path.join(dir, `gen-${name}`),
    seed,
    pbf: false,
    startTime,
    route: { durationS: 20, start: 'stop-sign' },
    video: { width: 160, height: 90, fps: 10 },
  });
  await copyFile(d.paths.video!, path.join(into, `${name}.MP4`));
  if (gpx) await copyFile(d.paths.gpx, path.join(into, `${name}.gpx`));
}

before(async () => {
  s = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'mapmint-card-'));
  card = path.join(dir, 'card');
  const gopro = path.join(card, 'DCIM', '100GOPRO');
  const normal = path.join(card, 'Normal');
  const event = path.join(card, 'Event');
  for (const d of [gopro, normal, event]) await mkdir(d, { recursive: true });
  await copyFile(sharedFile('video', 'gopro_hero5_karma.mp4'), path.join(gopro, 'GOPR0001.MP4'));
  await writeFile(path.join(gopro, 'GOPR0001.THM'), 'thumbnail');
  await copyFile(sharedFile('video', 'dashcam_nogps_udacity_test_video.mp4'), path.join(gopro, 'GOPR0001.LRV'));
  await writeFile(path.join(card, '.DS_Store'), 'finder');
  await writeFile(path.join(gopro, '._GOPR0001.MP4'), 'resource fork');
  // Two clips 60 s apart (one drive), and one an hour later with no GPS, dated by its creation_time (another).
  await dashcamClip('2024-05-04T10:00:00Z', 1, normal, '20240504_100000_F');
  await dashcamClip('2024-05-04T10:01:20Z', 2, normal, '20240504_100120_F');
  await dashcamClip('2024-05-04T11:00:00Z', 3, event, '20240504_110000_E', false);
  await writeFile(path.join(event, 'orphan.SRT'), '1\n00:00:00,000 --> 00:00:01,000\nnothing\n');
});
after(async () => {
  await s.close();
  await rm(dir, { recursive: true, force: true });
});

interface DriveJson {
  start: string | null;
  clips: { video: string; sidecars: string[]; start: string | null; timeFrom: string }[];
  upload?: { id: string; status: string; files: { name: string; status: string }[] };
}

test('a camera folder groups into drives by time gaps; thumbnails, proxies and hidden files are left out', async () => {
  const r = await runCli(['--json', 'upload', card, '--dry-run'], { ...process.env, MAPMINT_HOME: dir });
  assert.equal(r.code, 0, r.stderr);
  const { drives } = JSON.parse(r.stdout) as { drives: DriveJson[] };
  assert.deepEqual(
    drives.map((d) => d.clips.map((c) => c.video)),
    [['GOPR0001.MP4'], ['20240504_100000_F.MP4', '20240504_100120_F.MP4'], ['20240504_110000_E.MP4']],
  );
  const [gopro, normal, event] = drives;
  assert.equal(gopro!.clips[0]!.timeFrom, 'gps', 'the real GoPro clip is dated by its own GPMF GPS');
  assert.match(gopro!.start!, /^2017-04-17T19:2/);
  assert.deepEqual(normal!.clips[0]!.sidecars, ['20240504_100000_F.gpx']);
  assert.equal(normal!.clips[1]!.start, '2024-05-04T10:01:20.000Z');
  assert.equal(event!.clips[0]!.timeFrom, 'creation_time');
  assert.equal(event!.clips[0]!.start, '2024-05-04T11:00:00.000Z');
  // The grouping is printed for people too, with what was left out and why.
  assert.match(r.stderr, /drive 2: 2 clip\(s\)/);
  assert.match(r.stderr, /GOPR0001\.THM/);
  assert.match(r.stderr, /low-resolution copy of a clip \(GOPR0001\.LRV\)/);
  assert.match(r.stderr, /no video of the same name \(orphan\.SRT\)/);
  assert.doesNotMatch(r.stderr + r.stdout, /DS_Store|\._GOPR/);

  // A tighter split gap cuts the two dashcam clips (60 s apart) into drives of their own.
  const tight = await runCli(['--json', 'upload', card, '--dry-run', '--split-gap', '0.5'], process.env);
  assert.equal((JSON.parse(tight.stdout) as { drives: unknown[] }).drives.length, 4);
});

test('--timezone reads a local-time creation_time in that zone; a zone that does not exist is refused', async () => {
  const r = await runCli(
    ['--json', 'upload', path.join(card, 'Event'), '--dry-run', '--timezone', 'europe/berlin'],
    process.env,
  );
  assert.equal(r.code, 0, r.stderr);
  const { drives } = JSON.parse(r.stdout) as { drives: DriveJson[] };
  // 11:00 on the camera's clock in Berlin in May (CEST, UTC+2) is 09:00 UTC.
  assert.equal(drives[0]!.clips[0]!.start, '2024-05-04T09:00:00.000Z');
  const bad = await runCli(['--json', 'upload', card, '--dry-run', '--timezone', 'CEST'], process.env);
  assert.equal(bad.code, 2);
  assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'invalid_timezone');
});

test('two clips of one name in one drive (two folders of a card) are refused before anything is sent', async () => {
  const dup = path.join(dir, 'dup');
  for (const sub of ['100MEDIA', '101MEDIA']) {
    await mkdir(path.join(dup, sub), { recursive: true });
    await copyFile(path.join(card, 'Event', '20240504_110000_E.MP4'), path.join(dup, sub, 'DJI_0001.MP4'));
  }
  const r = await runCli(['--json', 'upload', dup, '--server', 'http://127.0.0.1:9'], process.env);
  assert.equal(r.code, 2, r.stderr);
  const err = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
  assert.equal(err.code, 'duplicate_clip_name');
  assert.match(err.message, /two files named DJI_0001\.MP4/);
});

test('each drive of a folder becomes one upload with its clips, clock flags in its manifest; status prints hints', async () => {
  const { client } = await s.client();
  const env = { ...process.env, MAPMINT_HOME: dir, MAPMINT_TOKEN: client.token!, MAPMINT_PRIVATE_KEY: '' };
  const folders = [path.join(card, 'Normal'), path.join(card, 'Event')];
  const r = await runCli(
    ['--json', 'upload', ...folders, '--server', s.baseUrl, '--time-offset', '1.5', '--timezone', 'Europe/Berlin'],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const { drives } = JSON.parse(r.stdout) as { drives: DriveJson[] };
  assert.equal(drives.length, 2);
  // With --timezone Europe/Berlin the Event clip's 11:00 is 09:00 UTC: it comes first, before the GPS-dated drive.
  assert.deepEqual(
    drives.map((d) => d.upload!.files.map((f) => `${f.name}:${f.status}`).sort()),
    [
      ['20240504_110000_E.MP4:received'],
      [
        '20240504_100000_F.MP4:received',
        '20240504_100000_F.gpx:received',
        '20240504_100120_F.MP4:received',
        '20240504_100120_F.gpx:received',
      ],
    ],
  );
  const ids = drives.map((d) => d.upload!.id);
  assert.notEqual(ids[0], ids[1]);
  const rows = await s.db.sql`select id, manifest from uploads where id = any(${ids}::uuid[])`;
  for (const row of rows) {
    assert.equal(row.manifest.timeOffsetMs, 1500);
    assert.equal(row.manifest.timezone, 'Europe/Berlin');
  }
  // Off a terminal the progress is plain lines, one set per drive.
  assert.match(r.stderr, /drive 1\/2: 100%/);
  assert.match(r.stderr, /drive 2\/2: 100%/);

  // A quarantine reason comes back with what to do, in the API view and in `mapmint status`.
  await s.db.sql.begin(async (tx) => {
    await transition(tx as never, ids[0]!, 'quarantined', {
      step: 'ingest.validate',
      actor: 'test',
      reasons: [{ code: 'video_unaligned', message: 'cannot place the video in time' }],
    });
  });
  const view = await client.getUpload(ids[0]!);
  assert.match(view.reasons[0]!.hint!, /--start-time/);
  const st = await runCli(['status', ids[0]!, '--server', s.baseUrl], env);
  assert.equal(st.code, 0, st.stderr);
  assert.match(st.stdout, /reason video_unaligned: cannot place the video in time\n {4}what to do: .*--start-time/);
});
