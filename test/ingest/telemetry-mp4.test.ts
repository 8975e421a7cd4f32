/**
 * MP4 telemetry: the GoPro GPMF videos and the GPS-less dashcam clips in shared/data/video, plus a CAMM file built
 * byte by byte in the test. Facts come from SOURCES-media.md (exiftool) and from ffprobe where it is installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MapmintError } from '../../core/index.ts';
import {
  bufferSource,
  gpsSecondsToUnixMs,
  openFileSource,
  readMovie,
  readMp4Telemetry,
  readMp4TelemetrySource,
  readTrack,
} from '../../ingest/telemetry/index.ts';
import { allSamples } from '../support/hostile-mp4.ts';
import { buildMp4, cammPacket } from '../support/mp4-builder.ts';
import { requireTool } from '../support/require-tool.ts';
import { sharedFile } from '../support/shared-data.ts';

const video = (name: string) => sharedFile('video', name);
const iso = (t: number) => new Date(t).toISOString();
const FFPROBE = '/usr/bin/ffprobe';
const FFPROBE_MISSING = requireTool(FFPROBE, 'apt-get install ffmpeg (or npm run setup)');

describe('GoPro GPMF', () => {
  it('gopro_max_heromode.mp4: GPS5 from 11 payloads, within the exiftool bbox, anchored to GPSU', async () => {
    const track = await readMp4Telemetry(video('gopro_max_heromode.mp4'));
    assert.equal(track.format, 'gpmf');
    assert.equal(track.meta?.['gpsStream'], 'GPS5');
    assert.equal(track.meta?.['payloads'], '11');
    assert.equal(track.meta?.['device'], 'GoPro Max');
    // GPS5 repeat counts of the 11 payloads (17,18,19,18,18,19,18,18,18,18,10), counted with a FourCC scan.
    assert.equal(track.points.length, 191);
    const lats = track.points.map((p) => p.lat);
    const lons = track.points.map((p) => p.lon);
    // SOURCES-media.md: lat 33.126667 to 33.126800, lon -117.327344 to -117.327273 (exiftool, rounded).
    assert.ok(
      Math.min(...lats) >= 33.1266665 && Math.max(...lats) <= 33.1268,
      `lat ${Math.min(...lats)}..${Math.max(...lats)}`,
    );
    assert.ok(Math.min(...lons) >= -117.3273445 && Math.max(...lons) <= -117.3272725, 'lon range');
    assert.ok(
      track.points.every((p) => p.alt! > -24 && p.alt! < -22.9),
      'altitude about -23.5 m',
    );
    assert.ok(
      track.points.every((p) => p.fix === 3),
      'GPSF 3 in every payload',
    );
    // GPSP is 154 in every payload but the 4th (177), whose 18 samples follow the first 17+18+19.
    const hdops = track.points.map((p) => p.hdop);
    assert.deepEqual([...new Set(hdops.slice(54, 72))], [1.77]);
    assert.ok(
      hdops
        .slice(0, 54)
        .concat(hdops.slice(72))
        .every((h) => h === 1.54),
    );
    // First GPSU is 23:45:14.000, the last payload's GPSU 23:45:25.435; its 10 samples span its 533 ms (stts).
    assert.equal(iso(track.points[0]!.t), '2019-11-18T23:45:14.000Z');
    const lastTen = track.points.slice(-10).map((p) => p.t);
    assert.equal(iso(lastTen[0]!), '2019-11-18T23:45:25.435Z');
    assert.equal(iso(lastTen[9]!), '2019-11-18T23:45:25.915Z');
    for (let i = 1; i < track.points.length; i++) assert.ok(track.points[i]!.t > track.points[i - 1]!.t, 'increasing');
  });

  it('gopro_hero5_karma.mp4: no GPS5; the Karma GLPI stream dated by SYST gives the 47 exiftool samples', async () => {
    const track = await readMp4Telemetry(video('gopro_hero5_karma.mp4'));
    assert.equal(track.meta?.['gpsStream'], 'GLPI');
    assert.ok(!track.meta?.['streams']?.split(',').includes('GPS5'));
    assert.ok(track.meta?.['streams']?.split(',').includes('GPRI'));
    assert.equal(track.points.length, 47);
    assert.equal(iso(track.points[0]!.t), '2017-04-17T19:27:57.526Z');
    assert.equal(iso(track.points.at(-1)!.t), '2017-04-17T19:28:09.119Z');
    const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
    assert.equal(r6(Math.min(...track.points.map((p) => p.lat))), 33.125369);
    assert.equal(r6(Math.max(...track.points.map((p) => p.lat))), 33.126012);
    assert.equal(r6(Math.min(...track.points.map((p) => p.lon))), -117.331479);
    assert.equal(r6(Math.max(...track.points.map((p) => p.lon))), -117.331067);
  });

  it('the gpmd sample table matches ffprobe packet positions, sizes and times', { skip: FFPROBE_MISSING }, async () => {
    for (const name of ['gopro_max_heromode.mp4', 'gopro_hero5_karma.mp4']) {
      const out = execFileSync(FFPROBE, [
        '-v',
        'error',
        '-show_entries',
        'stream=index,codec_tag_string',
        '-show_entries',
        'packet=stream_index,pos,size,pts',
        '-of',
        'json',
        video(name),
      ]);
      const probe = JSON.parse(out.toString()) as {
        streams: { index: number; codec_tag_string: string }[];
        packets: { stream_index: number; pos: string; size: string; pts: number }[];
      };
      const gpmd = probe.streams.find((s) => s.codec_tag_string === 'gpmd')!;
      const packets = probe.packets.filter((p) => p.stream_index === gpmd.index);
      const src = await openFileSource(video(name));
      try {
        const movie = await readMovie(src);
        const track = movie.tracks.find((tr) => tr.sampleEntry === 'gpmd')!;
        assert.equal(track.handlerName, 'GoPro MET');
        assert.deepEqual(
          (await allSamples(track)).map((s) => [s.offset, s.size, s.time]),
          packets.map((p) => [Number(p.pos), Number(p.size), p.pts]),
        );
      } finally {
        await src.close();
      }
    }
  });
});

describe('videos without telemetry', () => {
  for (const name of ['dashcam_nogps_udacity_solidWhiteRight.mp4', 'dashcam_nogps_udacity_test_video.mp4']) {
    it(`${name}: mp4_no_telemetry naming the tracks found`, async () => {
      await assert.rejects(
        readTrack({ path: video(name) }),
        (e) =>
          e instanceof MapmintError &&
          e.code === 'mp4_no_telemetry' &&
          /vide\/avc1/.test(e.message) &&
          /soun\/mp4a/.test(e.message),
      );
    });
  }

  it('a truncated GoPro file is mp4_truncated with the box and offsets', async () => {
    const bytes = readFileSync(video('gopro_max_heromode.mp4'));
    for (const cut of [100, 400_000, bytes.length - 1000]) {
      await assert.rejects(
        readMp4TelemetrySource(bufferSource(bytes.subarray(0, cut), 'cut.mp4')),
        (e) => e instanceof MapmintError && e.code === 'mp4_truncated' && /offset \d+/.test(e.message),
        `cut at ${cut}`,
      );
    }
  });
});

describe('Google CAMM', () => {
  // 2024-06-01T12:00:00Z in GPS seconds: Unix 1717243200 - GPS epoch 315964800 + 18 leap seconds.
  const gpsT0 = 1717243200 - 315964800 + 18;
  const full = (dt: number, lat: number, lon: number) =>
    cammPacket(6, 56, (dv) => {
      dv.setFloat64(0, gpsT0 + dt, true);
      dv.setInt32(8, 3, true);
      dv.setFloat64(12, lat, true);
      dv.setFloat64(20, lon, true);
      dv.setFloat32(28, 123.5, true);
      dv.setFloat32(32, 2.5, true);
      dv.setFloat32(36, 4, true);
      dv.setFloat32(40, 3, true); // east m/s
      dv.setFloat32(44, 4, true); // north m/s
    });
  const gyro = cammPacket(2, 12, (dv) => dv.setFloat32(0, 0.1, true));
  /** A CAMM track of these samples, `ms` apart on a millisecond clock. */
  const cammMp4 = (samples: Uint8Array[], ms: number, creationUnixSeconds: number) =>
    buildMp4({
      sampleEntry: 'camm',
      handlerType: 'meta',
      handlerName: 'CameraMetadataMotionHandler',
      timescale: 1000,
      samples,
      durations: samples.map(() => ms),
      creationUnixSeconds,
    });

  it('GPS to UTC applies the 18 leap seconds in force since 2017', () => {
    assert.equal(iso(gpsSecondsToUnixMs(gpsT0)), '2024-06-01T12:00:00.000Z');
    // 2010-01-01 had 15 leap seconds since 1980.
    assert.equal(iso(gpsSecondsToUnixMs(1262304000 - 315964800 + 15)), '2010-01-01T00:00:00.000Z');
  });

  it('reads type-6 packets back from a built MP4 (file on disk and through readTrack sniffing)', async () => {
    const samples = [full(0, 48.1, 11.5), gyro, full(0.5, 48.1001, 11.5001), gyro, full(1, 48.1002, 11.5002)];
    const mp4 = cammMp4(samples, 250, 1717243200);
    const dir = mkdtempSync(path.join(tmpdir(), 'mapmint-camm-'));
    try {
      const file = path.join(dir, 'camm.mp4');
      writeFileSync(file, mp4);
      for (const track of [await readMp4Telemetry(file), await readTrack({ path: file })]) {
        assert.equal(track.format, 'camm');
        assert.equal(track.meta?.['packets'], 'type 6 x3, type 2 x2');
        assert.deepEqual(
          track.points.map((p) => [iso(p.t), p.lat, p.lon]),
          [
            ['2024-06-01T12:00:00.000Z', 48.1, 11.5],
            ['2024-06-01T12:00:00.500Z', 48.1001, 11.5001],
            ['2024-06-01T12:00:01.000Z', 48.1002, 11.5002],
          ],
        );
        const p = track.points[0]!;
        assert.equal(p.alt, 123.5);
        assert.equal(p.speed, 5); // |(3, 4)| m/s
        assert.ok(Math.abs(p.heading! - 36.8699) < 1e-3, 'atan2(east 3, north 4)');
        assert.equal(p.fix, 3);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('type-6 times written in Unix seconds (some cameras, per exiftool) are told apart by the creation time', async () => {
    const unixT0 = 1717243200; // 2024-06-01T12:00:00Z
    const packet = (dt: number) =>
      cammPacket(6, 56, (dv) => {
        dv.setFloat64(0, unixT0 + dt, true);
        dv.setInt32(8, 3, true);
        dv.setFloat64(12, 48.1, true);
        dv.setFloat64(20, 11.5, true);
      });
    const mp4 = cammMp4([packet(0), packet(1)], 1000, unixT0 + 60);
    const track = await readMp4TelemetrySource(bufferSource(mp4, 'insta360.mp4'));
    assert.deepEqual(
      track.points.map((p) => iso(p.t)),
      ['2024-06-01T12:00:00.000Z', '2024-06-01T12:00:01.000Z'],
    );
  });

  it('dates type-5 packets from mvhd creation time plus the sample time', async () => {
    const minimal = (lat: number) =>
      cammPacket(5, 24, (dv) => {
        dv.setFloat64(0, lat, true);
        dv.setFloat64(8, -122.5, true);
        dv.setFloat64(16, 10, true);
      });
    const mp4 = buildMp4({
      sampleEntry: 'camm',
      handlerType: 'meta',
      handlerName: 'camm',
      timescale: 90000,
      samples: [minimal(47.1), minimal(47.2), minimal(47.3)],
      durations: [45000, 45000, 45000],
      creationUnixSeconds: 1600000000,
      samplesPerChunk: 3,
    });
    const track = await readMp4TelemetrySource(bufferSource(mp4, 'camm5.mp4'));
    assert.deepEqual(
      track.points.map((p) => [p.t, p.lat, p.alt]),
      [
        [1600000000000, 47.1, 10],
        [1600000000500, 47.2, 10],
        [1600000001000, 47.3, 10],
      ],
    );
  });

  it('an unknown packet type is camm_bad_packet with the sample and byte', async () => {
    const mp4 = buildMp4({
      sampleEntry: 'camm',
      handlerType: 'meta',
      handlerName: 'camm',
      timescale: 1000,
      samples: [full(0, 1, 1), cammPacket(42, 4, () => {})],
      durations: [1, 1],
      creationUnixSeconds: 1600000000,
    });
    await assert.rejects(
      readMp4TelemetrySource(bufferSource(mp4)),
      (e) => e instanceof MapmintError && e.code === 'camm_bad_packet' && /sample 2, byte 0/.test(e.message),
    );
  });
});
