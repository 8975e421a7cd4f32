/**
 * CSV and JSON sidecars: the OSRM, Hof floating-car and Newson & Krumm files in shared/data/traces (facts from
 * SOURCES-roads.md) and the accepted header/key variants.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MapmintError, type TrackPoint } from '../../core/index.ts';
import { parseCsv, parseCsvTracks, parseJson, readTrack } from '../../ingest/telemetry/index.ts';
import { sharedFile } from '../support/shared-data.ts';

const iso = (t: number) => new Date(t).toISOString();
function bbox(points: TrackPoint[]): number[] {
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)].map(
    (v) => Math.round(v * 1e5) / 1e5,
  );
}

describe('CSV on the real traces', () => {
  it('OSRM monaco: 3 points lon,lat,unix_time, 4 s apart', async () => {
    const track = await readTrack({ path: sharedFile('traces', 'osrm', 'monaco_three_test_coordinates.csv') });
    assert.equal(track.format, 'csv');
    assert.deepEqual(
      track.points.map((p) => [p.t / 1000, p.lat, p.lon]),
      [
        [1424684612, 43.72956, 7.41337],
        [1424684616, 43.73077, 7.41546],
        [1424684620, 43.73216, 7.41862],
      ],
    );
  });

  it('Hof FCD: 263 tracks, 14,651 points, 2..343 per track, bbox and dates from SOURCES-roads.md', () => {
    const tracks = parseCsvTracks(readFileSync(sharedFile('traces', 'fcd-hof-oberfranken', 'points.csv')));
    assert.equal(tracks.length, 263);
    const all = tracks.flatMap((t) => t.points);
    assert.equal(all.length, 14651);
    const sizes = tracks.map((t) => t.points.length);
    assert.equal(Math.min(...sizes), 2);
    assert.equal(Math.max(...sizes), 343);
    assert.deepEqual(bbox(all), [11.83183, 50.28164, 11.95982, 50.34037]);
    assert.equal(iso(Math.min(...all.map((p) => p.t))).slice(0, 10), '2018-07-02');
    assert.equal(iso(Math.max(...all.map((p) => p.t))).slice(0, 10), '2019-03-31');
    assert.equal(tracks[0]!.meta?.['id'], '0');
    assert.deepEqual(tracks[0]!.points[0], { t: Date.UTC(2019, 2, 11, 8, 33, 24), lat: 50.301888, lon: 11.925816 });
    assert.throws(
      () => parseCsv(readFileSync(sharedFile('traces', 'fcd-hof-oberfranken', 'points.csv'))),
      (e) => e instanceof MapmintError && e.code === 'csv_multiple_tracks' && /263 tracks/.test(e.message),
    );
  });

  it('Newson-Krumm gps_data.txt: 7,531 fixes at 1 Hz with gaps of 6, 13, 31 and 35 s', async () => {
    const track = await readTrack({ path: sharedFile('traces', 'newson-krumm-seattle', 'gps_data.txt') });
    assert.equal(track.format, 'csv');
    assert.equal(track.meta?.['delimiter'], '\t');
    assert.equal(track.points.length, 7531);
    assert.equal(iso(track.points[0]!.t), '2009-01-17T20:27:37.000Z');
    assert.equal(iso(track.points.at(-1)!.t), '2009-01-17T22:34:28.000Z');
    const steps = track.points.slice(1).map((p, i) => (p.t - track.points[i]!.t) / 1000);
    assert.equal(steps.filter((s) => s === 1).length, 7526);
    assert.deepEqual(
      steps.filter((s) => s !== 1).sort((a, b) => a - b),
      [6, 13, 31, 35],
    );
    assert.deepEqual(bbox(track.points), [-122.35702, 47.56327, -122.08778, 47.67098]);
  });
});

describe('CSV and JSON rules', () => {
  it('accepts header aliases, ISO/Unix times, km/h and quoted fields', () => {
    const csv = [
      'Timestamp;Latitude;Lng;Elevation;Speed (km/h);Course;HDOP;Sats',
      '2020-01-01T00:00:00Z;10;20;5;36;365;0.8;9',
      '"1577836801";10.1;20.1;;;;;',
      '1577836802500;10.2;"20.2";;;;;',
    ].join('\n');
    assert.deepEqual(parseCsv(csv).points, [
      { t: 1577836800000, lat: 10, lon: 20, alt: 5, speed: 10, heading: 5, hdop: 0.8, satellites: 9 },
      { t: 1577836801000, lat: 10.1, lon: 20.1 },
      { t: 1577836802500, lat: 10.2, lon: 20.2 },
    ]);
  });

  it('names the line of a bad row and the missing columns', () => {
    assert.throws(
      () => parseCsv('time,lat,lon\n2020-01-01T00:00:00Z,1,2\n2020-01-01T00:00:01Z,95,2\n'),
      (e) => e instanceof MapmintError && e.code === 'csv_bad_row' && /line 3/.test(e.message),
    );
    assert.throws(
      () => parseCsv('time,lat,lon\nnot a time,1,2\n'),
      (e) => e instanceof MapmintError && e.code === 'csv_bad_time' && /line 2/.test(e.message),
    );
    assert.throws(
      () => parseCsv('a,b\n1,2\n'),
      (e) => e instanceof MapmintError && e.code === 'csv_missing_columns',
    );
  });

  it('reads JSON arrays, wrapped arrays, nested coords and GeoJSON', () => {
    const expected = [{ t: 1000, lat: 1, lon: 2, alt: 3 }];
    const shapes = [
      [{ time: 1, latitude: 1, longitude: 2, altitude: 3 }],
      { points: [{ timestamp: '1970-01-01T00:00:01Z', lat: '1', lng: '2', ele: 3 }] },
      { locations: [{ t: 1, coords: { latitude: 1, longitude: 2, altitude: 3 } }] },
      {
        type: 'FeatureCollection',
        features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [2, 1, 3] }, properties: { time: 1 } }],
      },
      {
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: [[2, 1, 3]] },
        properties: { coordTimes: ['1970-01-01T00:00:01Z'] },
      },
    ];
    for (const shape of shapes)
      assert.deepEqual(parseJson(JSON.stringify(shape)).points, expected, JSON.stringify(shape));
  });

  it('JSON errors are typed and say which item', () => {
    assert.throws(
      () => parseJson('{"points": [1'),
      (e) => e instanceof MapmintError && e.code === 'json_malformed',
    );
    assert.throws(
      () => parseJson('[{"time": 1, "lat": 1, "lon": 2}, {"time": 2, "lat": 1}]'),
      (e) => e instanceof MapmintError && e.code === 'json_bad_point' && /item 1/.test(e.message),
    );
    assert.throws(
      () => parseJson('{"foo": []}'),
      (e) => e instanceof MapmintError && e.code === 'json_unsupported',
    );
  });
});
