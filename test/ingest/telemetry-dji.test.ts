/**
 * DJI subtitle telemetry: the real Mavic Pro `.SRT` sidecar in ../shared/data (JuanIrache/DJI_SRT_Parser sample,
 * facts from SOURCES-media.md), the newer bracketed generation (built here from the layout DJI_SRT_Parser
 * documents: no real file of it is in shared/data), and the same text in an MP4 `tx3g` subtitle track.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { bufferSource, parseDjiSrt, readMp4TelemetrySource, readTrack } from '../../ingest/telemetry/index.ts';
import { alignVideoToTrack } from '../../ingest/video/index.ts';
import { countingSource } from '../support/hostile-mp4.ts';
import { ascii, buildMp4, concat, u16 } from '../support/mp4-builder.ts';

const MAVIC = path.resolve('../shared/data/video/sidecars/dji_mavic_pro.SRT');

test('the real Mavic Pro SRT: 468 one-second fixes, longitude first, camera-local clock', async () => {
  const track = await readTrack({ path: MAVIC });
  assert.equal(track.format, 'dji-srt');
  assert.equal(track.points.length, 468);
  assert.equal(track.meta?.clock, 'camera-local');
  const first = track.points[0]!;
  assert.equal(new Date(first.t).toISOString(), '2017-08-05T14:11:51.000Z');
  // Times follow the exact cue clock from the first printed second; the last printed time is 14:19:39 (whole seconds,
  // so the true time is up to 1 s earlier).
  const last = track.points[467]!.t;
  assert.ok(
    last >= Date.UTC(2017, 7, 5, 14, 19, 38) && last <= Date.UTC(2017, 7, 5, 14, 19, 39),
    new Date(last).toISOString(),
  );
  for (let i = 1; i < track.points.length; i++) assert.ok(track.points[i]!.t > track.points[i - 1]!.t);
  assert.equal(first.lat, -20.2533);
  assert.equal(first.lon, 149.0251);
  assert.equal(first.satellites, 16);
  for (const p of track.points) {
    assert.ok(p.lat >= -20.2547 && p.lat <= -20.2516 && p.lon >= 149.0225 && p.lon <= 149.0271, `${p.lat},${p.lon}`);
  }
  // The first cue starts at 00:00:01,000: the video began one second before the first fix.
  assert.equal(track.meta?.firstFixMediaMs, '1000');
});

const newer = (i: number) =>
  `${i + 1}\n00:00:0${i},${i === 0 ? '000' : '033'} --> 00:00:0${i + 1},000\n<font size="28">FrameCnt: ${i + 1}, ` +
  `DiffTime: 33ms\n2021-03-09 15:31:0${7 + i}.123\n[iso : 100] [shutter : 1/100.0] [fnum : 280] [ev : 0] ` +
  `[latitude: 47.37${i}] [longtitude: 8.54${i}] [rel_alt: 1.100 abs_alt: 400.12${i}] </font>\n`;

test('the bracketed generation (Mavic 2, Air 2): labelled latitude, misspelt longitude, abs_alt, ms', () => {
  const track = parseDjiSrt([0, 1, 2].map(newer).join('\n'), 'mavic2.srt');
  assert.equal(track.points.length, 3);
  assert.deepEqual(
    track.points.map((p) => [p.lat, p.lon, p.alt]),
    [
      [47.37, 8.54, 400.12],
      [47.371, 8.541, 400.121],
      [47.372, 8.542, 400.122],
    ],
  );
  assert.equal(new Date(track.points[1]!.t).toISOString(), '2021-03-09T15:31:08.123Z');
});

/** The first `n` cues of the real Mavic Pro SRT as `tx3g` samples (u16 length, then the cue text). */
async function mavicTx3g(n: number): Promise<Uint8Array[]> {
  const text = (await readFile(MAVIC, 'utf8')).replace(/\r/g, '').split('\n\n').slice(0, n);
  return text.map((cue) => {
    const body = ascii(cue.split('\n').slice(2).join('\n'));
    return concat([u16(body.length), body]);
  });
}

/** An MP4 with one DJI subtitle track of these samples, one a second. */
const djiMp4 = (samples: Uint8Array[]) =>
  buildMp4({
    sampleEntry: 'tx3g',
    handlerType: 'sbtl',
    handlerName: 'DJI.Subtitle',
    timescale: 1000,
    samples,
    durations: samples.map(() => 1000),
    creationUnixSeconds: 0,
  });

test('a tx3g subtitle track in an MP4 is read as DJI telemetry and places the video by its cue times', async () => {
  const file = djiMp4(await mavicTx3g(10));
  const track = await readMp4TelemetrySource(bufferSource(file, 'DJI_0001.MP4'));
  assert.equal(track.format, 'dji-srt');
  assert.equal(track.points.length, 10);
  assert.equal(track.meta?.firstFixMediaMs, '0');
  const probe = { path: 'DJI_0001.MP4', durationS: 10, dataStreams: [], creationTime: Date.UTC(2030, 0, 1) };
  const align = alignVideoToTrack({ probe: probe as never, track });
  // Cue times beat a wrong creation_time.
  assert.equal(align.t0Ms, track.points[0]!.t);
  assert.equal(align.source, 'embedded_telemetry');
});

test('an oversized subtitle sample is skipped without being read', async () => {
  const cues = await mavicTx3g(3);
  // 8 MiB between the first and second cue: no DJI cue is that big (they are a few hundred bytes).
  const file = djiMp4([cues[0]!, new Uint8Array(8 << 20), cues[1]!, cues[2]!]);
  const src = countingSource(file, 'DJI_0002.MP4');
  const track = await readMp4TelemetrySource(src);
  assert.equal(track.points.length, 3);
  assert.ok(src.bytesRead < 1 << 20, `${src.bytesRead} bytes read`);
});

test('cues without a fix (0,0) are skipped; none at all is a typed error', () => {
  const srt = '1\n00:00:00,000 --> 00:00:01,000\nHOME(0,0) 2017.08.05 14:11:51\nGPS(0,0,0) BAROMETER:0.0\n';
  assert.throws(
    () => parseDjiSrt(srt, 'nofix.srt'),
    (e: unknown) => (e as { code?: string }).code === 'dji_no_fixes',
  );
});
